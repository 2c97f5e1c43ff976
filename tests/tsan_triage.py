#!/usr/bin/env python3
"""Sorts the ThreadSanitizer reports of a `scripts/test --tsan` run.

gRPC, protobuf and Abseil come from Debian without TSan instrumentation, so the
synchronisation inside them is invisible and TSan reports their internal hand-offs
as races (an fd made on one thread and polled on another, slices passed through
completion queues, ...). Those are listed by library and do not fail the run. A
race fails it when either access's first frame outside the sanitizer runtime is in
this project's own sources (a race in code we own); any other kind of report (lock
order inversion, unlock of an unlocked mutex, ...) fails it when any frame is. One
exception: a race on the vptr of an object that a library allocated and constructed
(gRPC's per-call interceptor batch, handed to our interceptor through gRPC's completion
queue) is that library's hand-off, even though our virtual call is the reading access.
A thread leak belongs to whoever created the thread: gRPC starts its resolver and timer
threads from inside libgpr and leaves some unjoined at exit, which is not ours to join.
casesd's server streams are on gRPC's callback API: a call's messages, interceptor and
reactor are made on one of gRPC's threads (started inside libgpr), filled on a thread of
the stream executor (cases::Executor), and sent and destroyed on a gRPC thread again, the
hand-offs being gRPC's. So a race between a gRPC thread and a gRPC or executor thread is
listed as gRPC's. What this can hide: a race on our own state between a reaction gRPC
runs (FeedReactor's OnWriteDone, OnCancel) and the executor; that state sits behind one
mutex, and the executor itself is checked by its unit test, where no gRPC thread exists.

    tsan_triage.py SOURCE_ROOT REPORT_FILE...
"""
import collections
import re
import sys

RUNTIME = re.compile(r"^(__interceptor_|__tsan_)?(mem(cpy|move|set|cmp)|str\w*|free|malloc|calloc|realloc|"
                     r"operator (new|delete)\b|pthread_\w+|epoll_\w+|close|read|write|send\w*|recv\w*|"
                     r"__sanitizer\w*)")
FRAME = re.compile(r"^\s+#\d+ (.*?) (\S+):?\d*:?\d* \((\S+)\+0x[0-9a-f]+\)")


def first_frame(stack_lines):
    """The first frame outside the sanitizer runtime and the inlined standard library headers
    (a std::thread or std::vector frame stands for the code that instantiated it)."""
    for line in stack_lines:
        m = FRAME.match(line)
        if m and not RUNTIME.match(m.group(1)) and not m.group(2).startswith("/usr/include/c++/"):
            return m.group(1), m.group(2), m.group(3)
    return None


def thread_kinds(report, accesses):
    """For each access, who started its thread: "grpc" (inside libgpr), "executor"
    (cases::Executor) or "other"."""
    kinds = []
    for access in accesses:
        m = re.search(r" by (main thread|thread (T\d+))", access.splitlines()[0])
        created = m and m.group(2) and re.search(
            r"\n  Thread " + m.group(2) + r" .*?created by .*? at:\n((?:\s+#\d+.*\n?)+)", report)
        stack = created.group(1) if created else ""
        kinds.append("grpc" if "libgpr" in stack else
                     "executor" if "cases::Executor::Executor" in stack else "other")
    return kinds


def main():
    root = sys.argv[1].rstrip("/") + "/"
    ours, theirs = [], collections.Counter()
    for path in sys.argv[2:]:
        text = open(path, errors="replace").read()
        for report in text.split("WARNING: ThreadSanitizer")[1:]:
            report = report.split("SUMMARY: ThreadSanitizer")[0]
            sections = re.split(r"\n  (?=\S)", report)
            accesses = [s for s in sections if re.match(r"(Previous )?(atomic )?(read|write)", s, re.I)
                        or s.startswith(("Read", "Write", "Atomic"))]
            if "data race" in report.splitlines()[0]:
                frames = [first_frame(s.splitlines()[1:]) for s in accesses]
            elif "thread leak" in report.splitlines()[0]:
                created = [s for s in sections if re.match(r"Thread T\d+ .*created by", s)]
                frames = [first_frame(s.splitlines()[1:]) for s in created]
            else:  # lock-order inversion, bad unlock, ...: any frame of ours counts
                frames = [m.groups() for m in map(FRAME.match, report.splitlines()) if m]
            def ours_(f):
                return f and f[1].startswith(root) and "/gen/" not in f[1]
            mine = [f for f in frames if ours_(f)]
            if "data race on vptr" in report.splitlines()[0]:
                writes = [first_frame(s.splitlines()[1:]) for s in accesses
                          if re.match(r"(Previous )?write", s, re.I)]
                heap = [s for s in sections if s.startswith("Location is heap block")]
                allocated = first_frame(heap[0].splitlines()[1:]) if heap else None
                if allocated and not ours_(allocated) and writes and not any(map(ours_, writes)):
                    mine = []
                    frames = [allocated]
            if mine and "data race" in report.splitlines()[0]:
                kinds = thread_kinds(report, accesses)
                if "grpc" in kinds and all(k in ("grpc", "executor") for k in kinds):
                    theirs["gRPC callback hand-off (gRPC thread / handler executor)"] += 1
                    continue
            if mine:
                ours.append(report.strip())
            else:
                where = [f[2].rsplit("/", 1)[-1] for f in frames if f]
                theirs[" / ".join(sorted(set(where))) or "unknown"] += 1
    total = len(ours) + sum(theirs.values())
    print(f"tsan: {total} reports; {len(ours)} in this project's code")
    for where, n in theirs.most_common():
        print(f"tsan:   {n:5d} inside uninstrumented libraries ({where})")
    for report in ours:
        print("tsan: race in project code:\n" + report + "\n")
    return 1 if ours else 0


if __name__ == "__main__":
    sys.exit(main())
