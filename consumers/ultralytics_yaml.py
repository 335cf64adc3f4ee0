"""Load a data.yaml as Ultralytics does and print it as JSON for yolo-rules.mjs.

Mirrors ultralytics/utils/__init__.py `YAML.load` (public ultralytics/ultralytics):
PyYAML's CSafeLoader (SafeLoader without libyaml), `or {}` for an empty file, the
string "None" read as None. `names` is printed apart with its own key types, since
JSON would turn the integer keys of an index map into strings.

    /usr/bin/python3 consumers/ultralytics_yaml.py path/to/data.yaml
"""
import json
import sys

import yaml

try:
    SafeLoader = yaml.CSafeLoader
except AttributeError:
    SafeLoader = yaml.SafeLoader


def load(file):
    with open(file, errors="ignore", encoding="utf-8") as f:
        data = yaml.load(f.read(), Loader=SafeLoader) or {}
    if not isinstance(data, dict):
        return {"data": {}, "names": {"kind": "missing", "entries": []}, "error": f"top level is a {type(data).__name__}"}
    if "None" in data.values():
        data = {k: None if v == "None" else v for k, v in data.items()}
    names = data.pop("names", None)
    if names is None:
        described = {"kind": "missing", "entries": []}
    elif isinstance(names, list):
        described = {"kind": "list", "entries": [[i, v] for i, v in enumerate(names)]}
    elif isinstance(names, dict):
        described = {"kind": "dict", "entries": [[k, v] for k, v in names.items()]}
    else:
        described = {"kind": type(names).__name__, "entries": []}
    return {"data": data, "names": described}


if __name__ == "__main__":
    print(json.dumps(load(sys.argv[1]), default=str))
