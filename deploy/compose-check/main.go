// compose-check loads compose files the way Docker Compose does (compose-go: interpolation from
// an env file, required variables, the compose-spec JSON schema, merging) and prints the services.
// It stands in for `docker compose config`, which needs a Docker CLI this machine does not have.
//
//	compose-check -env-file .env.environment [-profile jitsi] docker-compose.environment.yml
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	envFile := flag.String("env-file", "", "the --env-file compose would read")
	profiles := flag.String("profile", "", "comma-separated profiles to enable")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: compose-check [-env-file F] [-profile P] FILE...")
		os.Exit(2)
	}
	opts := []cli.ProjectOptionsFn{cli.WithName("parley"), cli.WithWorkingDirectory(".")}
	if *envFile != "" {
		opts = append(opts, cli.WithEnvFiles(*envFile), cli.WithDotEnv)
	}
	if *profiles != "" {
		opts = append(opts, cli.WithProfiles(strings.Split(*profiles, ",")))
	}
	options, err := cli.NewProjectOptions(flag.Args(), opts...)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	names := project.ServiceNames()
	sort.Strings(names)
	fmt.Println(strings.Join(names, " "))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compose-check:", err)
	os.Exit(1)
}
