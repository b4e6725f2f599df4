#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Checks scenarios/schema/scenario.schema.json.

(a) the schema is a valid JSON Schema (draft 2020-12);
(b) every scenario under scenarios/ (except the schema/, peers/ and configs/ folders) passes it;
(c) small documents written below are accepted or rejected as the scenario loader
    (harness/scenario/scenario_loader.cc) accepts or rejects them.

Usage: schema_check.py [SOURCE_DIR]   (default: two folders above this file)
Exit 0 on success, 1 on a failure, 77 when the jsonschema module is missing.
"""
import copy
import json
import os
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError:
    print("SKIP: the Python module jsonschema is not installed (Debian: python3-jsonschema)")
    sys.exit(77)


def side(identity, peer):
    return {
        "local": {"auth": "psk", "id": identity, "psk": {"env": "IKEH_PSK"}},
        "remote": {"id": peer},
    }


def base():
    return {
        "title": "IKE_SA_INIT is answered",
        "reference": "RFC 7296 1.2",
        "requirement": "A responder answers IKE_SA_INIT with SA, KE and Nr.",
        "role": "initiator",
        "harness": side("initiator.test", "responder.test"),
        "peer": side("responder.test", "initiator.test"),
        "steps": [{"start": "ike_sa"}, {"expect": {"exchange": "IKE_SA_INIT", "response": True}}],
    }


def with_(**changes):
    d = base()
    for k, v in changes.items():
        d[k] = v
    return d


def without(key):
    d = base()
    del d[key]
    return d


def step(s):
    d = base()
    d["steps"][1] = s
    return d


def harness(**changes):
    d = base()
    d["harness"].update(changes)
    return d


GOOD = {
    "minimal": base(),
    "all top-level keys": with_(
        **{
            "$schema": "../schema/scenario.schema.json",
            "role": "responder",
            "sanity": "rfc7296/1.2-basic",
            "tags": ["smoke"],
            "requires": ["cookie", "initiator"],
            "comment": "free text",
        }
    ),
    "start kinds": with_(
        steps=[
            {"start": k, "by": "peer"}
            for k in ["ike_sa", "child_sa", "rekey_child", "rekey_ike", "delete_child", "delete_ike", "liveness"]
        ]
        + [
            {
                "start": "cfg_set",
                "attributes": [
                    {"type": "INTERNAL_IP4_ADDRESS", "value": "10.0.0.5"},
                    {"type": 13, "value": "10.1.0.0/255.255.0.0"},
                    {"type": "internal_ip4_dns"},
                ],
                "comment": "set",
            }
        ]
    ),
    "expect with everything": step(
        {
            "expect": {
                "exchange": "ike_auth",
                "response": True,
                "message_id": 1,
                "payloads": ["SA", "KE", "Ni", "Nr", "Nonce", "nonce", "N(COOKIE)", "N(16390)",
                             "n(invalid_ke_payload)", "CP(CFG_REPLY)", "cp(cfg_ack)", "41", "47(CFG_SET)", "IDi",
                             "idr", "V", "AUTH", "TSi", "TSr", "SK", "EAP"],
                "order": "includes",
                "absent": ["N", "CP", "CERTREQ", "N(USE_ASSIGNED_HoA)"],
                "notify": [
                    {"type": "COOKIE", "data_length": 32},
                    {"type": 17, "data": "00:13"},
                    {"type": "nat_detection_source_ip", "data": "0x0A0b"},
                ],
                "cp": {
                    "type": "CFG_REPLY",
                    "only": True,
                    "attributes": [
                        {"type": "INTERNAL_IP4_ADDRESS", "value": "10.99.0.1"},
                        {"type": "INTERNAL_IP4_DNS", "length": 4},
                    ],
                },
                "sa": {"encr": "ENCR_AES_GCM_16", "key_length": 256, "prf": 5, "integ": "auth_hmac_sha2_256_128",
                       "dh": "CURVE25519"},
                "within": "250ms",
                "capture": {"spi": "spi_r", "c": "cookie", "ni": "nonce", "a": "address", "m": "message_id"},
            }
        }
    ),
    "durations": with_(
        steps=[
            {"expect_nothing": "2s"}, {"wait": "3m"}, {"wait": "1h"}, {"wait": 1.5}, {"wait": "0.5s"},
            {"wait": 0}, {"expect": {"within": 10}}, {"wait": "1.s"},
        ]
    ),
    "assertions": with_(
        steps=[
            {"assert": {"ike_sa_state": "Established", "child_sas": 1}},
            {"assert": {"side": "peer", "ike_sas": 2, "state": "Deleted", "identity": "initiator.test"}},
            {"assert": {"event": "COOKIE", "no_event": "retransmit"}},
        ]
    ),
    "faults": with_(
        steps=[
            {"fault": {"action": "drop", "from": "peer", "exchange": "IKE_SA_INIT", "response": True, "count": 2}},
            {"fault": {"action": "duplicate", "copies": 3, "packet": 1}},
            {"fault": {"action": "delay", "delay": "1500ms", "message_id": 1}},
            {"fault": {"action": "reorder", "hold_for": 2, "probability": 0.5}},
            {"fault": {"action": "corrupt", "offset": 17, "mask": 128}},
        ]
    ),
    "mutations": with_(
        steps=[
            {"mutate": {"exchange": "IKE_SA_INIT", "response": False, "ops": [
                {"remove": "KE"}, {"move": "N(COOKIE)", "to": 0},
                {"add": {"type": "N", "notify": "COOKIE", "data": "00"}, "at": 0},
                {"add": {"type": 200, "critical": True, "data": "0011"}},
                {"set_header": "major_version", "value": 3}, {"set_header": "spi_r", "value": 18446744073709551615},
                {"set": "payload_length", "payload": "Ni", "value": 1000},
                {"set": "critical", "payload": "SA", "value": True, "comment": "c"}]}},
            {"mutate": {"exchange": "IKE_AUTH", "count": 10, "ops": [{"corrupt_icv": True}, {"padding": "00ff"},
                                                                    {"pad_length": 7}]}},
            {"mutate": {"stage": "encoded", "ops": [{"xor": "ff", "offset": 17}, {"write": "0102", "offset": 0},
                                                    {"truncate": 20}, {"append": ""}, {"corrupt_icv": True}]}},
            {"mutate": {"stage": "wire", "message_id": 1, "ops": [{"xor": "80", "offset": 3}, {"truncate": 28}]}},
        ]
    ),
    "engine configuration keys": harness(
        description="spoke",
        ike={
            "proposals": ["aes256gcm16-prfsha256-ecp256"],
            "prefer_configured_proposals": False,
            "nonce_size": 16,
            "signature_hashes": ["sha2_256", 4],
            "cookie_threshold": None,
            "retransmit": {"timeout": 0.5, "base": 2, "tries": 3, "jitter": 0, "limit": 0},
            "rekey_time": "4h",
            "dpd": 30,
        },
        child={"proposals": ["aes256gcm16"], "local_ts": ["0.0.0.0/0"], "mode": "transport", "start": False},
        cp={"request": ["INTERNAL_IP4_ADDRESS", 3, {"type": "INTERNAL_IP4_DNS", "value_hex": "0a000001"}]},
        pool={"cidr": "10.99.0.0/24", "dns": ["10.0.0.53"]},
        psks=[{"id": "responder.test", "psk": {"file": "psk.txt"}}],
    ),
}

BAD = {
    "unknown top-level key": with_(requirment="x"),
    "missing title": without("title"),
    "missing reference": without("reference"),
    "missing requirement": without("requirement"),
    "missing role": without("role"),
    "missing harness": without("harness"),
    "missing steps": without("steps"),
    "empty title": with_(title=""),
    "empty steps": with_(steps=[]),
    "unknown role": with_(role="initator"),
    "unknown capability": with_(requires=["cookies"]),
    "misspelt step kind": step({"expct": {}}),
    "two kinds in one step": step({"expect": {}, "wait": "1s"}),
    "step without kind": step({"comment": "x"}),
    "key of another kind": step({"wait": "1s", "by": "peer"}),
    "unknown expect key": step({"expect": {"payload": ["SA"]}}),
    "unknown payload": step({"expect": {"payloads": ["NONCEE"]}}),
    "lower-case ni": step({"expect": {"payloads": ["ni"]}}),
    "unknown notify in spec": step({"expect": {"payloads": ["N(COOKEI)"]}}),
    "argument on SA": step({"expect": {"payloads": ["SA(1)"]}}),
    "unclosed parenthesis": step({"expect": {"payloads": ["N(COOKIE"]}}),
    "CP with a number": step({"expect": {"payloads": ["CP(2)"]}}),
    "payload number too big": step({"expect": {"payloads": ["256"]}}),
    "unknown notify type": step({"expect": {"notify": [{"type": "INVALID_KE_PAYLOD"}]}}),
    "notify without type": step({"expect": {"notify": [{"data_length": 4}]}}),
    "odd hex": step({"expect": {"notify": [{"type": "COOKIE", "data": "abc"}]}}),
    "bad duration": step({"wait": "5 sec"}),
    "bare unit": step({"expect": {"within": "ms"}}),
    "negative duration": step({"expect_nothing": -1}),
    "duration too long": step({"wait": 31536001}),
    "order without payloads": step({"expect": {"order": "set"}}),
    "unknown order": step({"expect": {"payloads": ["SA"], "order": "exactly"}}),
    "unknown capture source": step({"expect": {"capture": {"x": "spi"}}}),
    "unknown exchange": step({"expect": {"exchange": "IKE_AUHT"}}),
    "message id too big": step({"expect": {"message_id": 4294967296}}),
    "unknown sa key": step({"expect": {"sa": {"group": 19}}}),
    "unknown start": step({"start": "ike_sas"}),
    "attributes outside cfg_set": step({"start": "ike_sa", "attributes": []}),
    "empty assertion": step({"assert": {"side": "peer"}}),
    "lower-case state": step({"assert": {"ike_sa_state": "established"}}),
    "state without ike_sas": step({"assert": {"state": "Deleted", "child_sas": 0}}),
    "fault without action": step({"fault": {"from": "peer"}}),
    "copies with drop": step({"fault": {"action": "drop", "copies": 2}}),
    "delay without delay": step({"fault": {"action": "delay"}}),
    "mask with reorder": step({"fault": {"action": "reorder", "mask": 1}}),
    "direction as arrow": step({"fault": {"action": "drop", "from": "harness->peer"}}),
    "probability above 1": step({"fault": {"action": "drop", "probability": 1.5}}),
    "mutate without ops": step({"mutate": {"exchange": "IKE_AUTH"}}),
    "mutate with empty ops": step({"mutate": {"ops": []}}),
    "mutate count 0": step({"mutate": {"count": 0, "ops": [{"remove": "KE"}]}}),
    "unknown stage": step({"mutate": {"stage": "wires", "ops": [{"truncate": 1}]}}),
    "unknown operation": step({"mutate": {"ops": [{"delete": "KE"}]}}),
    "two operations": step({"mutate": {"ops": [{"remove": "KE", "truncate": 1}]}}),
    "byte operation at plain": step({"mutate": {"ops": [{"xor": "ff", "offset": 1}]}}),
    "payload operation at wire": step({"mutate": {"stage": "wire", "ops": [{"remove": "KE"}]}}),
    "protection operation at wire": step({"mutate": {"stage": "wire", "ops": [{"corrupt_icv": True}]}}),
    "corrupt_icv false": step({"mutate": {"ops": [{"corrupt_icv": False}]}}),
    "xor without offset": step({"mutate": {"stage": "encoded", "ops": [{"xor": "ff"}]}}),
    "xor of no bytes": step({"mutate": {"stage": "encoded", "ops": [{"xor": "", "offset": 1}]}}),
    "move without to": step({"mutate": {"ops": [{"move": "KE"}]}}),
    "major version 16": step({"mutate": {"ops": [{"set_header": "major_version", "value": 16}]}}),
    "unknown header field": step({"mutate": {"ops": [{"set_header": "mesage_id", "value": 1}]}}),
    "set without payload": step({"mutate": {"ops": [{"set": "critical", "value": True}]}}),
    "added notify without type": step({"mutate": {"ops": [{"add": {"type": "N", "data": "00"}}]}}),
    "notify on a non-notify": step({"mutate": {"ops": [{"add": {"type": "V", "notify": "COOKIE"}}]}}),
    "network in harness": harness(network={"local_port": 500}),
    "unknown ike key": harness(ike={"nonce_sise": 32}),
    "psk written inline": harness(local={"auth": "psk", "id": "a", "psk": "secret"}),
    "psk value object": harness(local={"auth": "psk", "id": "a", "psk": {"value": "secret"}}),
    "psk from env and file": harness(local={"auth": "psk", "id": "a", "psk": {"env": "X", "file": "y"}}),
    "local without auth": harness(local={"id": "a"}),
    "cert with psk": harness(local={"auth": "psk", "id": "a", "psk": {"env": "X"}, "cert": "c.pem"}),
    "pool with range and cidr": harness(pool={"range": "10.0.0.1-10.0.0.9", "cidr": "10.0.0.0/24"}),
    "nonce size too small": harness(ike={"nonce_size": 8}),
    "empty proposals": harness(ike={"proposals": []}),
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    source = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(here))
    schema_path = os.path.join(source, "scenarios", "schema", "scenario.schema.json")
    failures = []

    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print(f"FAIL: {schema_path} is not a valid draft 2020-12 schema: {e.message} at {list(e.absolute_path)}")
        return 1
    validator = Draft202012Validator(schema)

    scenario_root = os.path.join(source, "scenarios")
    files = 0
    for dirpath, dirnames, filenames in os.walk(scenario_root):
        dirnames[:] = sorted(d for d in dirnames if d not in ("schema", "peers", "configs"))
        for name in sorted(filenames):
            if not name.endswith(".json"):
                continue
            path = os.path.join(dirpath, name)
            files += 1
            with open(path, encoding="utf-8") as f:
                try:
                    doc = json.load(f)
                except json.JSONDecodeError as e:
                    failures.append(f"{path}: not JSON: {e}")
                    continue
            for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))[:3]:
                pointer = "/" + "/".join(str(p) for p in err.absolute_path)
                failures.append(f"{path}: {pointer}: {err.message[:200]}")

    for name, doc in GOOD.items():
        errors = list(validator.iter_errors(copy.deepcopy(doc)))
        if errors:
            e = errors[0]
            pointer = "/" + "/".join(str(p) for p in e.absolute_path)
            failures.append(f"good document \"{name}\" rejected: {pointer}: {e.message[:200]}")
    for name, doc in BAD.items():
        if validator.is_valid(copy.deepcopy(doc)):
            failures.append(f"bad document \"{name}\" accepted")

    for line in failures:
        print("FAIL:", line)
    print(f"schema valid; {files} scenario file(s), {len(GOOD)} good and {len(BAD)} bad documents checked; "
          f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
