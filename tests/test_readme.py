"""The README's examples work: a reader copies them."""

import re
from pathlib import Path

from surveyapp.questionnaire import validate_file

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_questionnaire_example_validates(tmp_path):
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "the README shows the questionnaire format"
    for number, block in enumerate(blocks):
        path = tmp_path / f"readme-example-{number}.yaml"
        path.write_text(block, encoding="utf-8")
        problems = validate_file(path)
        assert problems == [], "\n".join(map(str, problems))


def test_ci_runs_the_readme_test_command_word_for_word():
    """`.ci/run` calls exactly the test command the README gives a new user."""
    text = README.read_text(encoding="utf-8")
    section = text.split("**Run the tests:**", 1)[1]
    command = re.search(r"```sh\n(.*?)\n```", section, re.S).group(1).strip()
    assert "pytest" in command and "\n" not in command
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in [line.strip() for line in ci], f"{command!r} is not a line of .ci/run"
