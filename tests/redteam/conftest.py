"""The red-team target under cases/target is a project of its own: never collect its tests."""

collect_ignore_glob = ["cases/target/*"]
