package org.elasticsearch.node;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.ParleyClasspathPlugins;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;
import org.elasticsearch.transport.netty4.Netty4Plugin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Parley's local Elasticsearch: one real single-node cluster in this JVM, HTTP through netty4.
 *
 * <p>Usage: {@code java -Xmx1g -cp target/classes:target/lib/* org.elasticsearch.node.ParleyLocalNode
 * -Epath.home=DIR -Epath.data=DIR -Ehttp.port=P -Etransport.port=Q ...}; every {@code -Ekey=value} is
 * an Elasticsearch setting. It runs until SIGTERM, then closes the node cleanly (flushes the
 * translog) so a restart on the same data folder finds every acknowledged document.
 *
 * <p>Security is off because X-Pack is not loaded at all (it is not on Maven Central); the node binds
 * to loopback only. In package {@code org.elasticsearch.node} because the hook that swaps the plugins
 * service ({@link NodeServiceProvider}) is package-private.
 */
public final class ParleyLocalNode extends Node {

    private static final List<Class<? extends Plugin>> MODULES = List.of(Netty4Plugin.class);

    /** Plain lines in <path.logs>/parley-es.log (Elasticsearch takes over stdout once it runs). */
    private static final String LOG4J = String.join("\n",
        "status = error",
        "appender.file.type = File",
        "appender.file.name = file",
        "appender.file.fileName = ${sys:es.logs.base_path}${sys:file.separator}parley-es.log",
        "appender.file.layout.type = PatternLayout",
        "appender.file.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name] %m%n",
        "rootLogger.level = info",
        "rootLogger.appenderRef.file.ref = file",
        "logger.deprecation.name = org.elasticsearch.deprecation",
        "logger.deprecation.level = error",
        "");

    private ParleyLocalNode(Environment environment) {
        super(NodeConstruction.prepareConstruction(environment, ParleyClasspathPlugins.emptyLoader(), new ClasspathModules(), true));
    }

    /** Builds the plugins service from {@link #MODULES} instead of a modules folder. */
    private static final class ClasspathModules extends NodeServiceProvider {
        @Override
        PluginsService newPluginService(Environment environment, PluginsLoader loader) {
            return new ParleyClasspathPlugins(environment.settings(), environment, MODULES);
        }
    }

    public static void main(String[] args) throws Exception {
        Settings.Builder builder = Settings.builder()
            .put("cluster.name", "parley-local")
            .put("node.name", "parley-es")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            // a nearly full disk must not turn the test indices read-only
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            // every test run makes indices of its own prefix; leave room for many runs' leftovers
            .put("cluster.max_shards_per_node", 3000)
            .put("http.type", "netty4")
            .put("transport.type", "netty4");
        for (String arg : args) {
            if (arg.startsWith("-E") == false || arg.indexOf('=') < 0) {
                throw new IllegalArgumentException("expected -Ekey=value, got " + arg);
            }
            int eq = arg.indexOf('=');
            builder.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        Settings settings = builder.build();
        Path home = Path.of(settings.get("path.home"));
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("plugins"));
        Files.createDirectories(home.resolve("modules"));

        Path log4j = home.resolve("config").resolve("log4j2.properties");
        Files.writeString(log4j, LOG4J);
        LogConfigurator.setNodeName("parley-es");
        LogConfigurator.configureESLogging();
        Environment environment = InternalSettingsPreparer.prepareEnvironment(
            settings, Map.of(), home.resolve("config"), () -> "parley-es");
        LogConfigurator.configure(environment, false);
        ParleyLocalNode node = new ParleyLocalNode(environment);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "parley-es-shutdown"));
        node.start();
        System.out.println("parley-es: started");
        stopped.await();
    }
}
