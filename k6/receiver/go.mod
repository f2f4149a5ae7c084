module parley/k6/receiver

go 1.22
