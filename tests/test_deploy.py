"""deploy/: the systemd units are valid (`systemd-analyze verify` where it is installed), hardened, and the timer
catches up on missed runs."""
from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
SERVICES = ("ministry-watch.service", "ministry-watch-once.service")
UNITS = (*SERVICES, "ministry-watch.timer")
CRAWL = "/opt/ministry-watch/.venv/bin/crawl"
needs_systemd = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                   reason="systemd-analyze is not installed (apt-get install systemd)")


def unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str   # keys are case-sensitive
    text = (DEPLOY / name).read_text(encoding="utf-8").replace("\\\n", " ")
    parser.read_string(text)
    return parser


def values(name: str, section: str, key: str) -> list[str]:
    """Every value of a key (systemd allows repeating one; configparser keeps the last, so read lines)."""
    text = (DEPLOY / name).read_text(encoding="utf-8")
    body = text.split(f"[{section}]", 1)[1].split("\n[", 1)[0]
    return re.findall(rf"^{key}=(.*)$", body, flags=re.M)


@needs_systemd
def test_units_pass_systemd_analyze_verify(tmp_path):
    # verify insists that ExecStart's program exists: point it at a stand-in, the rest is checked as shipped.
    stand_in = tmp_path / "crawl"
    stand_in.write_text("#!/bin/sh\n")
    stand_in.chmod(0o755)
    for name in UNITS:
        (tmp_path / name).write_text((DEPLOY / name).read_text(encoding="utf-8").replace(CRAWL, str(stand_in)))
    proc = subprocess.run(["systemd-analyze", "verify", *UNITS], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and not proc.stderr.strip() and not proc.stdout.strip(), proc.stdout + proc.stderr


@needs_systemd
@pytest.mark.parametrize("name", SERVICES)
def test_services_exposure_is_well_under_5(name):
    proc = subprocess.run(["systemd-analyze", "security", "--offline=true", str(DEPLOY / name)],
                          capture_output=True, text=True, timeout=60)
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", proc.stdout + proc.stderr)
    if match is None:
        pytest.skip(f"this systemd-analyze cannot rate unit files offline: {proc.stderr.strip()[:200]}")
    assert float(match.group(1)) <= 2.0, proc.stdout


@pytest.mark.parametrize("name", SERVICES)
def test_services_are_hardened(name):
    service = unit(name)["Service"]
    required = {"NoNewPrivileges": "true", "ProtectSystem": "strict", "PrivateTmp": "true", "ProtectHome": "true",
                "ProtectKernelTunables": "true", "ProtectKernelModules": "true", "ProtectKernelLogs": "true",
                "ProtectControlGroups": "true", "CapabilityBoundingSet": "", "RestrictNamespaces": "true",
                "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "PrivateDevices": "true",
                "SystemCallArchitectures": "native"}
    for key, value in required.items():
        assert service.get(key) == value, key
    assert "@system-service" in values(name, "Service", "SystemCallFilter")
    # The database, its WARC archive and the sink files it writes are all under the one writable place.
    writable = service["ReadWritePaths"].split()
    assert writable == ["/var/lib/ministry-watch"]
    for path in re.findall(r"--(?:db|atom|jsonl|warc-dir) (\S+)", service["ExecStart"]):
        assert any(path.startswith(w + "/") for w in writable), path
    assert service["User"] != "root"


def test_timer_catches_up_on_missed_runs():
    timer = unit("ministry-watch.timer")["Timer"]
    assert timer["Persistent"] == "true"
    assert timer.get("OnCalendar"), "Persistent=true only works with OnCalendar="
    assert "OnUnitActiveSec" not in timer and "OnBootSec" not in timer
    assert timer["Unit"] == "ministry-watch-once.service"
    if shutil.which("systemd-analyze"):
        proc = subprocess.run(["systemd-analyze", "calendar", "--iterations=2", timer["OnCalendar"]],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        first, second = re.findall(r"(?:Next elapse|Iter\. #2): \w+ \S+ (\d\d:\d\d):\d\d", proc.stdout)
        assert {first[-2:], second[-2:]} == {"00", "30"}
