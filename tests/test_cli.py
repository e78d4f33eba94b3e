"""The command line through a real subprocess: modes, output and exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import backprop_engine
from backprop_engine import bundled, load, run
from backprop_engine.train import train

BUNDLED = bundled()
SCRIPT = Path(sys.executable).with_name("backprop-tui")


def cli(*args, cwd=None, script=False) -> subprocess.CompletedProcess:
    cmd = [str(SCRIPT)] if script and SCRIPT.exists() else [sys.executable, "-m", "tui.cli"]
    env = {**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    return subprocess.run([*cmd, *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, env=env, timeout=60)


def strict_json(text: str):
    """Parse RFC 8259 JSON: NaN / Infinity tokens are not JSON."""
    def refuse(token):
        raise ValueError(f"not valid JSON: {token}")
    return json.loads(text, parse_constant=refuse)


def tokens(text: str) -> set[str]:
    return set(re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text))


# -- --print ---------------------------------------------------------------------------

def test_print_apple():
    r = cli(BUNDLED["apple"], "--print")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    out = r.stdout
    assert "Buying apples" in out
    titles = ["Step 1/4 · forward · mul_apple (Mul)", "Step 2/4 · forward · mul_tax (Mul)",
              "Step 3/4 · backward · mul_tax (Mul)", "Step 4/4 · backward · mul_apple (Mul)"]
    positions = [out.find(t) for t in titles]
    assert all(p >= 0 for p in positions), out
    assert positions == sorted(positions)
    assert {"220", "2.2", "110", "200", "1.1", "100"} <= tokens(out)
    # default precision 6: the float noise is not shown
    assert "220.00000000000003" not in out
    assert "110.00000000000001" not in out


def test_print_precision_17():
    r = cli("apple", "--print", "--precision", "17")
    assert r.returncode == 0, r.stderr
    assert "220.00000000000003" in r.stdout
    assert "110.00000000000001" in r.stdout


def test_print_precision_full_is_the_shortest_repr():
    r = cli("apple", "--print", "--precision", "full")
    assert r.returncode == 0, r.stderr
    assert {"220.00000000000003", "110.00000000000001", "2.2", "1.1"} <= tokens(r.stdout)
    assert "2.2000000000000002" not in r.stdout  # --precision 17 would write this one


def test_precision_names_full_when_refusing():
    r = cli("apple", "--print", "--precision", "fll")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == ("error: argument --precision: --precision takes a whole number from 1 to 17, "
                        "or full, got 'fll' (see backprop-tui --help)\n")


# -- --json ----------------------------------------------------------------------------

CONTRACT_EXAMPLE = json.loads("""
{
  "title": "Buying apples",
  "values": {"apple": 100.0, "apple_num": 2.0, "tax": 1.1,
             "apple_price": 200.0, "price": 220.00000000000003},
  "grads":  {"price": 1.0, "apple_price": 1.1, "tax": 200.0,
             "apple": 2.2, "apple_num": 110.00000000000001},
  "steps": [
    {"phase": "forward",  "layer": "mul_apple", "type": "Mul",
     "inputs": ["apple", "apple_num"], "output": "apple_price"},
    {"phase": "forward",  "layer": "mul_tax", "type": "Mul",
     "inputs": ["apple_price", "tax"], "output": "price"},
    {"phase": "backward", "layer": "mul_tax", "type": "Mul",
     "inputs": ["apple_price", "tax"], "output": "price"},
    {"phase": "backward", "layer": "mul_apple", "type": "Mul",
     "inputs": ["apple", "apple_num"], "output": "apple_price"}
  ]
}
""")
STEP_KEYS = ("phase", "layer", "type", "inputs", "output")


def test_json_apple_matches_contract_from_another_cwd(tmp_path):
    r = cli("apple", "--json", cwd=tmp_path)  # a bundled name, no path, not from the checkout
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    data = strict_json(r.stdout)
    assert data["title"] == CONTRACT_EXAMPLE["title"]
    assert data["values"] == CONTRACT_EXAMPLE["values"]
    assert data["grads"] == CONTRACT_EXAMPLE["grads"]
    assert len(data["steps"]) == len(CONTRACT_EXAMPLE["steps"])
    for got, want in zip(data["steps"], CONTRACT_EXAMPLE["steps"]):
        assert {k: got[k] for k in STEP_KEYS} == want
    # floats at full precision, in their shortest round-tripping repr
    for text in ("220.00000000000003", "110.00000000000001", "1.1", "2.2"):
        assert re.search(rf"[:\[,]\s*{re.escape(text)}\s*[,}}\]]", r.stdout), text
    assert all(type(v) is float for v in data["values"].values())


def test_json_arrays_by_path():
    r = cli(BUNDLED["relu"], "--json")
    assert r.returncode == 0, r.stderr
    data = strict_json(r.stdout)
    out = load(BUNDLED["relu"]).output  # the Relu's output name
    assert data["values"]["x"] == [[1.0, -0.5], [-2.0, 3.0]]
    assert data["values"][out] == [[1.0, 0.0], [0.0, 3.0]]
    assert data["grads"]["x"] == [[1.0, 0.0], [0.0, 4.0]]
    assert data["grads"][out] == [[1.0, 2.0], [3.0, 4.0]]
    assert [s["phase"] for s in data["steps"]] == ["forward", "backward"]
    for step in data["steps"]:
        if "mask" in step:  # an extra key the contract allows
            assert step["mask"] == [[False, True], [True, False]]


def test_json_constants_have_no_grads():
    r = cli("sigmoid", "--json")
    assert r.returncode == 0, r.stderr
    data = strict_json(r.stdout)
    assert "minus_one" in data["values"] and "one" in data["values"]
    assert "minus_one" not in data["grads"] and "one" not in data["grads"]
    assert data["grads"]["x_chain"] == pytest.approx(0.19661193324148185, rel=1e-12)


def test_json_nan_and_infinities_are_strings(write_toml):
    path = write_toml('''
        title = "division by zero"
        [values]
        x = [0.0, -0.0, 2.0]
        z = [0.0, 1.0, 1.0]
        [[layers]]
        type = "Reciprocal"
        inputs = ["x"]
        output = "r"
        [[layers]]
        type = "Mul"
        inputs = ["r", "z"]
        output = "m"
    ''')
    r = cli(path, "--json")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert "Warning" not in r.stderr
    data = strict_json(r.stdout)  # no bare NaN / Infinity tokens
    assert data["values"]["r"] == ["inf", "-inf", 0.5]
    assert data["values"]["m"] == ["nan", "-inf", 0.5]
    assert data["grads"]["z"] == ["inf", "-inf", 0.5]
    # dx = -dr / x**2 with dr = dout * z = [0, 1, 1]: -0/0 = nan, -1/0 = -inf
    assert data["grads"]["x"] == ["nan", "-inf", -0.25]


# -- --check ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_check_bundled_passes(name):
    r = cli(name, "--check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "FAIL" not in r.stdout
    for param in load(BUNDLED[name]).params:
        assert param in r.stdout


def test_check_wrong_expect_fails(write_toml):
    text = BUNDLED["apple"].read_text(encoding="utf-8").replace("price = 220", "price = 221")
    assert "price = 221" in text
    path = write_toml(text)
    r = cli(path, "--check")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "FAIL" in r.stdout
    assert "price" in r.stdout
    assert "Traceback" not in r.stderr


def test_check_expect_uses_rtol_1e_9(write_toml):
    # 200.0000001 is 5e-10 relative away from 200: inside rtol 1e-9, so it passes
    path = write_toml(BUNDLED["apple"].read_text(encoding="utf-8")
                      .replace('"grad.tax" = 200', '"grad.tax" = 200.0000001'))
    assert '"grad.tax" = 200.0000001' in path.read_text(encoding="utf-8")
    r = cli(path, "--check")
    assert r.returncode == 0, r.stdout + r.stderr
    # 200.000002 is 1e-8 relative away: outside rtol 1e-9, so it fails
    path.write_text(BUNDLED["apple"].read_text(encoding="utf-8")
                    .replace('"grad.tax" = 200', '"grad.tax" = 200.000002'), encoding="utf-8")
    r = cli(path, "--check")
    assert r.returncode == 1 and "FAILED: grad.tax" in r.stdout


KINK = '''
    title = "Relu at its kink"
    [values]
    x = [[1.0, 0.0], [-2.0, 3.0]]
    [[layers]]
    type = "Relu"
    inputs = ["x"]
    output = "y"
    [backward]
    dout = [[1.0, 2.0], [3.0, 4.0]]
'''


def test_check_leaves_out_an_entry_at_a_relu_kink(write_toml):
    """x[0, 1] = 0: no derivative; the central difference gives 0.5·dout = 1,
    backprop 0. Reported as a kink, left out of the verdict: exit 0."""
    r = cli(write_toml(KINK), "--check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "FAIL" not in r.stdout
    assert ("x: 1 at a kink (x[0, 1]): nudging them moves a Relu input that is exactly 0 across its kink, where it has no derivative; left out"
            in r.stdout.splitlines())
    assert "every check passed (1)" in r.stdout


def test_a_kink_does_not_hide_another_failure(write_toml):
    r = cli(write_toml(KINK + '[expect]\n"grad.x" = [[1.0, 1.0], [0.0, 4.0]]\n'), "--check")
    assert r.returncode == 1
    assert "x: 1 at a kink (x[0, 1])" in r.stdout and "FAILED: grad.x" in r.stdout


# -- --list, --version, --train -------------------------------------------------------

def test_list_names_all_bundled(tmp_path):
    r = cli("--list", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    listed = [line.split()[0] for line in r.stdout.splitlines() if line.strip()]
    assert sorted(listed) == sorted(BUNDLED)
    assert {"apple", "fruit", "relu", "sigmoid", "affine_softmax", "mnist_size"} <= set(listed)
    assert "Buying apples" in r.stdout


def test_version():
    r = cli("--version", script=True)
    assert r.returncode == 0, r.stderr
    assert backprop_engine.__version__ in r.stdout
    assert "backprop-tui" in r.stdout


ROW = re.compile(r"^\s*│\s*(\d+)\s*│\s*(\S+)\s*│\s*$", flags=re.M)


def test_train_five_steps_losses_fall():
    r = cli("affine_softmax", "--train", "5")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "gradient descent on W1, b1, W2, b2: 5 steps, lr = 0.5"  # the [train] params
    assert "not a loss" not in r.stdout
    rows = ROW.findall(r.stdout)
    # the loss after each step; step 0 is before training
    assert [int(k) for k, _ in rows] == [0, 1, 2, 3, 4, 5], r.stdout
    printed = [float(v) for _, v in rows]
    assert all(b < a for a, b in zip(printed, printed[1:])), printed
    losses, final = train(load(BUNDLED["affine_softmax"]), 5)
    after = float(run(final).values["L"])
    assert [v for _, v in rows] == [f"{x:.6g}" for x in [*losses, after]]
    assert lines[-1] == f"final loss (L) after 5 steps: {after:.6g}"
    assert "ran off" not in r.stdout


def test_train_beyond_100_steps_shows_every_kth_and_the_last():
    r = cli("affine_softmax", "--train", "250", "--precision", "full")
    assert r.returncode == 0, r.stderr
    rows = ROW.findall(r.stdout)
    assert [int(k) for k, _ in rows] == [*range(0, 250, 3), 250]  # k = ceil(250 / 100) = 3
    losses, final = train(load(BUNDLED["affine_softmax"]), 250)
    losses.append(float(run(final).values["L"]))
    assert [float(v) for _, v in rows] == [losses[int(k)] for k, _ in rows]
    assert r.stdout.splitlines()[-1] == f"final loss (L) after 250 steps: {losses[-1]!r}"
    r = cli("affine_softmax", "--train", "100")
    assert [int(k) for k, _ in ROW.findall(r.stdout)] == list(range(101))


def test_train_says_when_the_loss_runs_off():
    """apple's loss is a price: linear in apple, so descent runs it off to -inf."""
    r = cli("apple", "--train", "200")
    assert r.returncode == 0, r.stderr
    assert "-inf" in r.stdout
    assert " ".join(r.stdout.split()).endswith(
        "the loss ran off to inf or nan: try a lower [train] lr (a loss without a minimum, "
        "such as a price, runs off at any lr)")
    lines = r.stdout.splitlines()
    assert lines[:2] == ["gradient descent on apple, apple_num, tax: 200 steps, lr = 0.1",
                         "note: price is not a loss (the last layer is Mul, not SoftmaxWithLoss): "
                         "it may have no minimum for descent to find"]
    assert [int(k) for k, _ in ROW.findall(r.stdout)] == [*range(0, 201, 2)]
    assert "final loss (price) after 200 steps: -inf" in lines


# -- exit 2 -----------------------------------------------------------------------------

BAD_FILES = {
    "syntax": 'title = "t"\n[values]\na = = 1\n',
    "unknown_type": 'title = "t"\n[values]\na = 1\n[[layers]]\ntype = "Rleu"\ninputs = ["a"]\noutput = "o"\n',
    "two_problems": 'titel = "t"\n[values]\na = 1\n[[layers]]\ntype = "Relu"\ninputs = ["a"]\noutput = "o"\n',
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_scenario_exits_2(write_toml, kind):
    path = write_toml(BAD_FILES[kind], f"{kind}.toml")
    r = cli(path, "--json")
    assert r.returncode == 2
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert lines
    for line in lines:
        assert line.startswith(f"error: {path}: "), line
    if kind == "syntax":
        assert "line 3, column 5" in r.stderr
    if kind == "unknown_type":
        assert "'Relu'" in r.stderr
    if kind == "two_problems":
        assert len(lines) == 2


def test_missing_file_exits_2(tmp_path):
    path = tmp_path / "missing.toml"
    r = cli(path, "--print")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith(f"error: {path}: ")
    assert len(r.stderr.splitlines()) == 1


def test_unknown_bundled_name_exits_2(tmp_path):
    r = cli("no_such_scenario", "--json", cwd=tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("error: no_such_scenario: ")


def test_a_misspelt_bundled_name_suggests_the_closest(tmp_path):
    r = cli("aple", "--print", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    (line,) = r.stderr.splitlines()
    assert line.startswith("error: aple: no such file, and no bundled scenario of that name "
                           "(did you mean 'apple'?)"), line


@pytest.mark.parametrize("args", [
    ["apple", "--print", "--precision", "0"],
    ["apple", "--print", "--precision", "abc"],
    ["apple", "--print", "--precision", "18"],
    ["apple", "--print", "--precision", "Full"],
    ["apple", "--train", "0"],
    ["apple", "--print", "--json"],
    ["--json"],
    ["apple", "--no-such-option"],
])
def test_bad_usage_exits_2(args):
    r = cli(*args)
    assert r.returncode == 2, (args, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert r.stderr.strip(), args
    assert r.stderr.startswith("error:"), r.stderr
    assert r.stdout == ""


def test_a_reader_that_stops_early_gets_no_traceback():
    p = subprocess.Popen([sys.executable, "-m", "tui.cli", "mnist_size", "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.read(10)
    p.stdout.close()  # like `| head -c 10`
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err
