#!/usr/bin/env python3
"""Compare `flashscope info --json` with the corpus oracle (../shared/corpus/expected.json).

Usage: scripts/corpus-check.py BINARY CORPUS_DIR
Checks, per file: kind; chip, segments, checksum/hash validity and app description for single images;
partitions, MD5 verdict and table acceptance for tables; otadata sectors, active sector, boot
selected/loaded and per-app checksum/hash/bootable for dumps. Prints one line per mismatch and a summary
line 'N passed, M failed'; exits non-zero on any mismatch.
"""
import json
import os
import subprocess
import sys
from pathlib import Path


class _Missing:
    """A key that is not in the JSON object at all (as opposed to a JSON null)."""
    def __bool__(self):
        return False

    def __repr__(self):
        return "<missing>"


MISSING = _Missing()


class StrictDict(dict):
    """A JSON object whose .get() without a default tells an absent key from a null value."""
    def get(self, key, default=MISSING):
        return super().get(key, default)


def load(text):
    return json.loads(text, object_hook=StrictDict)

KIND = {"flash_dump": "flash_image", "merged_image": "flash_image", "partition_read": "app_image",
        "app_image": "app_image", "bootloader_image": "bootloader_image", "partition_table": "partition_table",
        "otadata": "otadata"}

def main():
    binary, corpus = sys.argv[1], Path(sys.argv[2])
    ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    expected_path = corpus / "expected.json"
    if not expected_path.exists():
        print(f"corpus check: {expected_path} is missing")
        return 1 if ci else 0
    expected = load(expected_path.read_text())["files"]
    if not expected:
        print("corpus check: expected.json lists no files")
        print("0 passed, 1 failed")
        return 1
    passed = failed = 0
    problems = []

    def check(name, what, got, want):
        nonlocal passed, failed
        if got is MISSING and want is MISSING:
            # Neither side has the field: the check would pass without comparing anything.
            failed += 1
            problems.append(f"{name}: {what}: missing from both FlashScope's output and the oracle")
        elif got == want:
            passed += 1
        else:
            failed += 1
            problems.append(f"{name}: {what}: got {got!r}, expected {want!r}")

    for name, exp in sorted(expected.items()):
        path = corpus / "files" / name
        kind = exp["kind"]
        if kind == "partition_csv":
            # CSV round trip through our encoder: compare with gen_esp32part's output.
            oracle = (corpus / "files" / (name + ".csv.oracle")).read_text().splitlines()
            ok = exp.get("gen_esp32part_ok")
            out = subprocess.run([binary, "table", "--from-csv", str(path), "-o", "/tmp/fs-corpus-table.bin", "--force"],
                                 capture_output=True, text=True)
            check(name, "accepted by table --from-csv", out.returncode == 0, bool(ok))
            if ok and out.returncode == 0:
                csv = subprocess.run([binary, "table", "/tmp/fs-corpus-table.bin", "--csv"], capture_output=True, text=True).stdout
                round_trip = oracle[next(i for i, l in enumerate(oracle) if "round trip" in l) + 1:]
                want = [l for l in round_trip if not l.startswith(("Parsing", "Verifying", "exit="))]
                check(name, "CSV round trip", csv.splitlines(), want)
            continue
        out = subprocess.run([binary, "info", "--json", str(path)], capture_output=True, text=True)
        if out.returncode != 0:
            failed += 1
            problems.append(f"{name}: exit {out.returncode}: {out.stderr.strip()}")
            continue
        got = load(out.stdout)
        check(name, "kind", got["kind"], KIND[kind])
        if kind in ("app_image", "bootloader_image", "partition_read"):
            check(name, "chip", got.get("chip"), exp.get("chip"))
            check(name, "segments", got.get("segments"), exp.get("segments_declared"))
            check(name, "checksum_valid", got.get("checksum_valid"), exp.get("checksum_valid"))
            check(name, "hash_valid", got.get("hash_valid"), exp.get("hash_valid") if exp.get("hash_appended") else None)
            desc = exp.get("app_desc") or {}
            for k in ("project_name", "version", "idf_ver"):
                if desc:
                    check(name, k, got.get(k), desc.get(k))
        if kind in ("partition_table", "flash_dump", "merged_image"):
            want_parts = [(p["name"], p["type"], p["subtype"], p["offset"], p["size"], p["flags"]) for p in exp.get("partitions", [])]
            got_parts = [(p["name"], p["type"], p["subtype"], p["offset"], p["size"], p["flags"]) for p in got.get("partitions", [])]
            check(name, "partitions", got_parts, want_parts)
            if kind != "partition_table":
                check(name, "in_dump", [p["in_dump"] for p in got.get("partitions", [])], [p["in_dump"] for p in exp.get("partitions", [])])
            pt = exp.get("partition_table")
            md5 = exp.get("md5") if kind == "partition_table" else (pt or {}).get("md5")
            gpt = got.get("partition_table")
            if md5 is not None:
                check(name, "md5", gpt and gpt["md5"], md5)
            accepts = exp.get("bootloader_verify_ok") if kind == "partition_table" else (pt or {}).get("bootloader_verify_ok")
            if accepts is not None:
                check(name, "bootloader_accepts", gpt and gpt["bootloader_accepts"], accepts)
            gen_ok = exp.get("gen_esp32part_ok") if kind == "partition_table" else (pt or {}).get("gen_esp32part_ok")
            if gen_ok is not None and gpt is not None:
                check(name, "gen_esp32part verdict (warnings empty)", not gpt["warnings"], gen_ok)
        oracle_csv = corpus / "files" / (name + ".csv.oracle")
        if kind in ("flash_dump", "merged_image", "partition_table") and oracle_csv.exists():
            lines = oracle_csv.read_text().splitlines()
            if len(lines) > 1 and lines[1] == "exit=0":
                want = [l for l in lines[2:] if not l.startswith(("Parsing", "Verifying"))]
                out = subprocess.run([binary, "table", str(path), "--csv"], capture_output=True, text=True)
                check(name, "table --csv vs gen_esp32part", out.stdout.splitlines(), want)
        if kind in ("flash_dump", "merged_image"):
            eo, go = exp.get("otadata"), got.get("otadata")
            if eo:
                check(name, "otadata.active_sector", go and go["active_sector"], eo["active_sector"])
                for es in eo["sectors"]:
                    gs = next((s for s in (go or {}).get("sectors", []) if s["sector"] == es["sector"]), {})
                    for k in ("seq", "state", "crc_ok", "valid"):
                        check(name, f"otadata sector {es['sector']} {k}", gs.get(k), es[k])
            elif (pt or {}).get("bootloader_verify_ok", True):
                # The oracle models only what the bootloader reads: with a rejected table it stops before
                # otadata, while FlashScope still shows the sectors (boot.selected/loaded stay null).
                check(name, "otadata", go, None)
            eb, gb = exp.get("boot") or {}, got.get("boot") or {}
            check(name, "boot.selected", gb.get("selected"), eb.get("selected"))
            check(name, "boot.loaded", gb.get("loaded"), eb.get("loaded"))
            for ea in exp.get("apps", []):
                ga = next((a for a in got.get("apps", []) if a["partition"] == ea["partition"]), {})
                for k in ("checksum_valid", "hash_valid", "bootable"):
                    check(name, f"app {ea['partition']} {k}", ga.get(k), ea[k])
            stray = exp.get("unreferenced_otadata_like_sectors")
            if isinstance(stray, list):
                check(name, "stray otadata offsets", [s["offset"] for s in got.get("stray_otadata", [])],
                      [s.get("flash_offset", s.get("offset")) for s in stray])
        if kind == "otadata":
            eo, go = exp, got.get("otadata") or {}
            check(name, "otadata.active_sector", go.get("active_sector"), eo.get("active_sector"))
            for i, es in enumerate(eo.get("sectors", [])):
                gs = next((s for s in go.get("sectors", []) if s["sector"] == es.get("sector", i)), {})
                for k in ("seq", "state", "crc_ok", "valid"):
                    check(name, f"otadata sector {i} {k}", gs.get(k), es[k])

    # set-boot from a fresh otadata must write exactly what the corpus's ota1_active image holds
    # (built as esp_ota_set_boot_partition(ota_1) writes from fresh): the seq/CRC/state rule on real bytes.
    fresh, active = corpus / "files" / "built_esp32_ota_fresh_4MB.bin", corpus / "files" / "built_esp32_ota1_active_4MB.bin"
    if fresh.exists() and active.exists():
        out = subprocess.run([binary, "set-boot", str(fresh), "--slot", "ota_1", "--dry-run", "--json"], capture_output=True, text=True)
        change = load(out.stdout)["operations"][0]["otadata_changes"][0] if out.returncode == 0 else {}
        want = active.read_bytes()[0xE000:0xE020].hex()
        check(fresh.name, "set-boot ota_1 writes sector 0 as the corpus image holds it",
              (change.get("sector"), (change.get("after") or {}).get("hex")), (0, want))
        fresh_bytes = fresh.read_bytes()
        check(fresh.name, "and nothing else differs in otadata",
              fresh_bytes[0xE020:0x10000] == active.read_bytes()[0xE020:0x10000], True)

    for p in problems:
        print("MISMATCH " + p)
    print(f"corpus: {len(expected)} files")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
