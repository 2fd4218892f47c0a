"""Vendored from tinyjson 1.2 (MIT). Do not edit: update from upstream."""

import json


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True)
