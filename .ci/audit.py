"""Known vulnerabilities in the installed dependencies (pip-audit), for .ci/run.

Fails (exit 1) when any installed package has a known vulnerability. When the vulnerability
database cannot be reached (a machine whose network reaches only a package mirror), nothing
can be audited: that is printed loudly as NOT AUDITED, with the packages it concerns, and does
not fail the run, since it says nothing about the code. Usage: python .ci/audit.py [pip-audit args]
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


def main() -> int:
    command = [str(PIP_AUDIT), "--format", "json", "--progress-spinner", "off", "--skip-editable",
               "--vulnerability-service", "pypi", *sys.argv[1:]]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        print(f"pip-audit: NOT AUDITED, it could not run:\n{done.stderr[-2000:]}")
        return 0
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixes})")
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} package(s) with known vulnerabilities")
        return 1
    if skipped:
        print("=" * 72)
        print(f"pip-audit: NOT AUDITED: {len(skipped)} of {len(dependencies)} package(s); the vulnerability "
              "database could not be reached or does not know them:")
        print("  " + ", ".join(f"{d['name']} {d.get('version', '')}".strip() for d in skipped[:40])
              + (" ..." if len(skipped) > 40 else ""))
        print("=" * 72)
    print(f"pip-audit: {audited} package(s) audited, no known vulnerabilities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
