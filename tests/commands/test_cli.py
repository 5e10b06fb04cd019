"""What every `newsscraper` command shares: the dataset folder it is given."""

from __future__ import annotations

import pytest

from newsscraper import cli


@pytest.mark.parametrize("command", ["stats", "verify", "compact"])
def test_an_empty_output_dir_is_refused_rather_than_read_as_the_working_directory(
    command, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        cli.main([command, "--output-dir", ""])
    assert stopped.value.code == 2
    assert "--output-dir is empty" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no lock, no folder


def test_no_command_is_a_usage_error_naming_them_all(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main([])
    assert stopped.value.code == 2
    assert "the following arguments are required: COMMAND" in capsys.readouterr().err
    cli.build_parser().print_help()
    shown = capsys.readouterr().out
    assert "`newsscraper <command>`: the console script" in shown
    assert all(f"    {name} " in shown for name in cli.COMMANDS)
