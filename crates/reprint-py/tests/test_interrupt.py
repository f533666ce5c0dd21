"""Ctrl-C interrupts a long call: KeyboardInterrupt is raised while the engine works."""

import signal
import subprocess
import sys
import textwrap
import time


def test_ctrl_c_interrupts_a_long_call(newsgroups_path):
    code = textwrap.dedent(
        f"""
        import json, signal, sys, time
        import reprint_rs as rp
        # A process started in the background (as CI starts it) inherits SIGINT ignored;
        # a terminal session has Python's handler, which raises KeyboardInterrupt.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        texts = [json.loads(l)["text"] for l in open({str(newsgroups_path)!r}, encoding="utf-8")]
        print("go", flush=True)
        start = time.monotonic()
        try:
            rp.reuse(texts, threads=1)  # several seconds of work on one core
            print("finished", flush=True)
        except KeyboardInterrupt:
            print("interrupted", round(time.monotonic() - start, 2), flush=True)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "go"
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert out.startswith("interrupted"), out + err
