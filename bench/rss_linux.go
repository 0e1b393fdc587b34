package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// peakRSS runs copy i of p once and returns the peak resident set of the program it runs, in bytes.
//
// It does not use rusage: the Maxrss of a child counts the memory the child shared with its
// parent before exec (Go starts children with vfork), so every child of the bench would report
// the bench's own RSS, about 10 MiB. Instead the child runs under ptrace, stopped as it exits,
// and its VmHWM, the high-water mark of the program's own memory, is read from /proc.
func (p proc) peakRSS(i int) (int64, error) {
	files, err := p.files()
	if err != nil {
		return 0, err
	}
	defer closeAll(files)
	runtime.LockOSThread() // ptrace requests must come from the thread that started the tracee
	defer runtime.UnlockOSThread()

	child, err := os.StartProcess(p.binary(i), p.argv, &os.ProcAttr{Env: p.env, Files: files,
		Sys: &syscall.SysProcAttr{Ptrace: true}})
	if err != nil {
		return 0, err
	}
	defer child.Release()
	pid := child.Pid
	var status syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &status, 0, nil); err != nil { // stopped at its exec
		return 0, err
	}
	if err := syscall.PtraceSetOptions(pid, syscall.PTRACE_O_TRACEEXIT); err != nil {
		return 0, fmt.Errorf("ptrace %s: %w", p, err)
	}
	return p.traceToExit(pid)
}

// traceToExit lets the stopped tracee pid run to its end, reading its VmHWM when it stops at its
// exit and passing on any signal it stops for.
func (p proc) traceToExit(pid int) (int64, error) {
	var status syscall.WaitStatus
	hwm, signal := int64(-1), 0
	for {
		if err := syscall.PtraceCont(pid, signal); err != nil {
			return 0, fmt.Errorf("ptrace %s: %w", p, err)
		}
		if _, err := syscall.Wait4(pid, &status, 0, nil); err != nil {
			return 0, err
		}
		signal = 0
		switch {
		case status.Exited() && status.ExitStatus() == 0 && hwm >= 0:
			return hwm, nil
		case status.Exited() || status.Signaled():
			return 0, fmt.Errorf("%s: exit status %d, VmHWM %d", p, status.ExitStatus(), hwm)
		case status.TrapCause() == syscall.PTRACE_EVENT_EXIT:
			hwm = vmHWM(pid)
		case status.Stopped():
			signal = int(status.StopSignal())
		}
	}
}

// vmHWM reads the peak resident set of process pid from /proc, in bytes; -1 if it cannot.
func vmHWM(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "VmHWM:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				return kib << 10
			}
		}
	}
	return -1
}
