"""The container image built and run with podman (`make container-test`); not collected by `pytest tests`."""
