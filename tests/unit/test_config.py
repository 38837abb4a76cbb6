import pytest

from edge.config import ConfigError, config_template, load_config, parse_config


def test_template_parses_to_defaults():
    config = parse_config(config_template(), environ={})
    assert config.core.port == 8765 and config.device.ticket_prefix == "A"
    assert config.core_url == "http://127.0.0.1:8765"


def test_printers_and_stations():
    config = parse_config('[printers.hot]\nurl = "tcp://10.0.0.9:9100"\n[stations]\ndimsum = "hot"\n', environ={})
    assert config.printers["hot"].url == "tcp://10.0.0.9:9100"
    assert config.printers["hot"].profile == "80mm-gb18030"
    assert config.stations == {"dimsum": "hot"}


def test_typo_names_file_line_and_key():
    text = '[device]\nname = "x"\n\n[core]\nhost = "127.0.0.1"\nprot = 8000\n'
    with pytest.raises(ConfigError) as info:
        parse_config(text, "/etc/matou/edge.toml", environ={})
    assert str(info.value) == "/etc/matou/edge.toml:6: unknown key 'prot' in [core]; did you mean 'port'?"


def test_typo_in_printer_table():
    with pytest.raises(ConfigError, match=r"x.toml:3: unknown key 'uri' in \[printers.k\]; did you mean 'url'"):
        parse_config('[printers.k]\nprofile = "80mm-gbk"\nuri = "tcp://a:1"\n', "x.toml", environ={})


def test_unknown_section():
    with pytest.raises(ConfigError, match=r"unknown section \[prnters\]; did you mean \[printers\]"):
        parse_config("[prnters.k]\nurl = 'tcp://a'\n", "x.toml", environ={})


def test_wrong_type_and_bad_toml():
    with pytest.raises(ConfigError, match="x.toml:2: 'port' in \\[core\\] must be int"):
        parse_config('[core]\nport = "80"\n', "x.toml", environ={})
    with pytest.raises(ConfigError, match="x.toml:2: not valid TOML"):
        parse_config('[core]\nport = = 1\n', "x.toml", environ={})


def test_station_without_printer():
    with pytest.raises(ConfigError, match="station 'dimsum' uses printer 'nope'"):
        parse_config('[stations]\ndimsum = "nope"\n', "x.toml", environ={})


def test_bad_ticket_prefix():
    with pytest.raises(ConfigError, match="ticket_prefix"):
        parse_config('[device]\nticket_prefix = "7"\n', "x.toml", environ={})


def test_env_overrides():
    config = parse_config("[core]\nport = 1\n", environ={"EDGE_CORE_PORT": "8799", "EDGE_DEVICE_TICKET_PREFIX": "B"})
    assert config.core.port == 8799 and config.device.ticket_prefix == "B"
    with pytest.raises(ConfigError, match="EDGE_CORE_PORT must be a whole number"):
        parse_config("", environ={"EDGE_CORE_PORT": "eighty"})
    with pytest.raises(ConfigError, match="EDGE_CORE_PROT"):
        parse_config("", environ={"EDGE_CORE_PROT": "1"})


def test_load_config_file_and_env_seam(tmp_path):
    path = tmp_path / "edge.toml"
    path.write_text('[device]\nname = "kiosk-9"\n', encoding="utf-8")
    assert load_config(environ={"EDGE_CONFIG": str(path)}).device.name == "kiosk-9"
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "missing.toml", environ={})


def test_screen_ids_of_the_ui_and_the_camera():
    config = parse_config('[ui]\nscreen = "kiosk-1"\n[scanner]\nscreen = "kiosk-1"\n', "<t>", environ={})
    assert config.ui.screen == config.scanner.screen == "kiosk-1"
    assert parse_config("", "<t>", environ={}).scanner.screen == ""  # unbound camera by default
    for section in ("ui", "scanner"):
        with pytest.raises(ConfigError, match=rf"\[{section}\] screen"):
            parse_config(f'[{section}]\nscreen = "kiosk 1"\n', "<t>", environ={})
