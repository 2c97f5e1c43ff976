#!/usr/bin/env python3
"""Checks how tests/tsan_triage.py sorts reports: ours fail the run, libraries' do not."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = "/src/cases/"

LEAK_BY_GRPC = """==5154==WARNING: ThreadSanitizer: thread leak (pid=5154)
  Thread T3 'resolver-execut' (tid=5160, finished) created by main thread at:
    #0 pthread_create <null> (casesd+0x9aaad) (BuildId: 40915c)
    #1 grpc_core::Thread::Thread(char const*, void (*)(void*), void*, bool*, grpc_core::Thread::Options const&) <null> (libgpr.so.29+0xb0cb) (BuildId: dbfa33)
    #2 cases::server::RunServe(cases::server::Config&) /src/cases/server/main.cc:277:31 (casesd+0x11ea32) (BuildId: 40915c)

SUMMARY: ThreadSanitizer: thread leak (casesd+0x9aaad) in pthread_create
"""

LEAK_BY_US = """==7==WARNING: ThreadSanitizer: thread leak (pid=7)
  Thread T9 (tid=12, finished) created by main thread at:
    #0 pthread_create <null> (casesd+0x9aaad) (BuildId: 40915c)
    #1 std::thread::thread<F>(F&&) /usr/include/c++/12/bits/std_thread.h:143:5 (casesd+0x1)
    #2 cases::webhook::Dispatcher::Start() /src/cases/webhook/dispatcher.cc:40:3 (casesd+0x2)

SUMMARY: ThreadSanitizer: thread leak (casesd+0x9aaad) in pthread_create
"""

RACE_IN_OURS = """==8==WARNING: ThreadSanitizer: data race (pid=8)
  Write of size 8 at 0x7b04 by thread T2:
    #0 cases::Hub::Publish() /src/cases/domain/hub.cc:10:3 (casesd+0x3)

  Previous read of size 8 at 0x7b04 by thread T1:
    #0 grpc_core::Foo() <null> (libgrpc.so.29+0x10)

SUMMARY: ThreadSanitizer: data race /src/cases/domain/hub.cc:10:3 in cases::Hub::Publish()
"""

RACE_IN_GRPC = """==9==WARNING: ThreadSanitizer: data race (pid=9)
  Write of size 8 at 0x7b04 by thread T2:
    #0 memcpy <null> (casesd+0x4)
    #1 grpc_slice_copy <null> (libgrpc.so.29+0x10)

  Previous read of size 8 at 0x7b04 by thread T1:
    #0 grpc_core::Bar() <null> (libgrpc.so.29+0x20)

SUMMARY: ThreadSanitizer: data race in grpc_slice_copy
"""


def triage(*reports):
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, text in enumerate(reports):
            paths.append(os.path.join(d, f"report.{i}"))
            with open(paths[-1], "w") as f:
                f.write(text)
        run = subprocess.run([sys.executable, os.path.join(HERE, "tsan_triage.py"), ROOT, *paths],
                             capture_output=True, text=True)
        return run.returncode, run.stdout


class TsanTriageTest(unittest.TestCase):
    def test_a_thread_leak_of_a_thread_grpc_started_is_grpcs(self):
        code, out = triage(LEAK_BY_GRPC)
        self.assertEqual(code, 0, out)
        self.assertIn("1 reports; 0 in this project's code", out)
        self.assertIn("libgpr.so.29", out)

    def test_a_thread_leak_of_a_thread_we_started_fails_the_run(self):
        code, out = triage(LEAK_BY_US)
        self.assertEqual(code, 1, out)
        self.assertIn("webhook::Dispatcher::Start", out)

    def test_a_race_with_one_access_in_our_code_fails_the_run(self):
        code, out = triage(RACE_IN_GRPC, RACE_IN_OURS)
        self.assertEqual(code, 1, out)
        self.assertIn("2 reports; 1 in this project's code", out)

    def test_a_race_inside_grpc_is_listed_by_library(self):
        code, out = triage(RACE_IN_GRPC)
        self.assertEqual(code, 0, out)
        self.assertIn("inside uninstrumented libraries (libgrpc.so.29)", out)


if __name__ == "__main__":
    unittest.main()
