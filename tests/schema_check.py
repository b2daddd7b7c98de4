#!/usr/bin/python3
"""Check schemas/ with an independent validator (python3-jsonschema) against
the golden inputs, so that the schema files cannot drift from what dcswarm
accepts:
  - every service of a case that translates must be valid;
  - a case marked `schema-error` must be rejected by the schema (dcswarm
    rejects it with the schema's message);
  - any other failing case must pass the schema (dcswarm's own checks, e.g.
    port syntax or a bad template, reject it), unless its input does not
    even parse (a YAML/JSON error with line and column).
Prints `schema: N passed, M failed`."""
import glob
import json
import os
import re
import sys

import jsonschema
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = ["service-create", "service-patch", "service-object", "stackfile-service"]
SF_ONLY = ["ports", "expose", "environment", "links", "volumes", "volumes_from",
           "command", "restart", "mem_limit", "memswap_limit"]
API_ONLY = ["container_ports", "container_envvars", "linked_to_service", "bindings",
            "run_command", "autorestart"]


def load_validators():
    out = {}
    for name in NAMES:
        with open(os.path.join(ROOT, "schemas", name + ".json")) as f:
            schema = json.load(f)
        jsonschema.Draft7Validator.check_schema(schema)
        out[name] = jsonschema.Draft7Validator(schema)
    return out


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


def stackfile_like(svc):
    if any(k in svc for k in SF_ONLY):
        return True
    return not any(k in svc for k in API_ONLY) and isinstance(svc.get("image"), str)


TEMPLATE = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def interpolate(value, env):
    """${VAR}, $VAR and $$ in every string, as the docker-cloud CLI did
    (dcswarm validates after interpolating, so this check must too)."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if isinstance(value, str):
        return TEMPLATE.sub(lambda m: "$" if m.group(0) == "$$"
                            else env.get(m.group(1) or m.group(2), ""), value)
    return value


def case_env(case):
    env = {}
    path = os.path.join(case, "env")
    if os.path.exists(path):
        for line in open(path):
            if "=" in line and not line.startswith("#"):
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v
    return env


def services(path):
    """(schema name, object) for every service the input holds."""
    with open(path, "rb") as f:
        raw = f.read()
    if path.endswith(".json"):
        doc = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)
        if isinstance(doc, list):
            return [("service-object", o) for o in doc]
        if "objects" in doc and "meta" in doc:
            return [("service-object", o) for o in doc["objects"]]
        if isinstance(doc.get("services"), list):
            return [("stackfile-service" if stackfile_like(s) else "service-create", s)
                    for s in doc["services"]]
        if any(k in doc for k in ("uuid", "resource_uri", "image_name")):
            return [("service-object", doc)]
        if "image" in doc or "image_tag" in doc:
            return [("service-create", doc)]
        return [("service-patch", doc)]
    doc = yaml.safe_load(raw.decode("utf-8"))
    if not isinstance(doc, dict):
        return []
    if "version" in doc and isinstance(doc.get("services"), dict):
        return []
    env = case_env(os.path.dirname(path))
    return [("stackfile-service", interpolate(v, env)) for v in doc.values()
            if isinstance(v, dict)]


def main():
    validators = load_validators()
    passed = failed = 0
    for case in sorted(glob.glob(os.path.join(ROOT, "tests", "golden", "*", ""))):
        name = os.path.basename(os.path.dirname(case))
        inputs = glob.glob(case + "input.*")
        if not inputs:
            continue
        error_file = os.path.join(case, "expected.error")
        error = open(error_file).read() if os.path.exists(error_file) else None
        if error and (re.search(r":\d+:\d+: ", error) or "interpolation" in error):
            continue  # the input does not parse: no schema involved
        try:
            svcs = services(inputs[0])
        except (ValueError, yaml.YAMLError, UnicodeDecodeError):
            continue
        problems = []
        for schema, obj in svcs:
            problems += ["%s: %s" % (schema, e.message[:160])
                         for e in validators[schema].iter_errors(obj)]
        marked = os.path.exists(os.path.join(case, "schema-error"))
        if error is None:
            ok, why = not problems, "valid input rejected by the schema: %s" % problems[:2]
        elif marked:
            ok, why = bool(problems), "marked schema-error but the schema accepts it"
        else:
            ok, why = not problems, ("rejected by the schema but dcswarm's error is "
                                     "not the schema's (add a schema-error marker?): %s"
                                     % problems[:2])
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL %s: %s" % (name, why))
    print("schema: %d passed, %d failed" % (passed, failed))
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
