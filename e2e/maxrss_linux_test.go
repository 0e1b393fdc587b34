package e2e

import (
	"os"
	"syscall"
)

// maxRSS returns a finished process's peak resident memory in bytes; Linux counts it in KiB.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return -1
}
