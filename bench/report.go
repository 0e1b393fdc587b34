package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// row is one line of the table. Its fields are exported for the keyring session, which sends
// its rows back as JSON.
type row struct {
	What    string // what is measured
	Floor   string // the floor and its median, if any
	Subject string // c3cred's median, or its figure
	Ratio   string // c3cred against the floor: median of the paired ratios, or another figure
	Budget  string // the budget line, if any
	Result  string // PASS, MISS, skipped, broken, or nothing for a row without a budget
}

// table is what one run found.
type table struct {
	machine string
	bins    *binaries
	pairs   int
	version string // what `c3cred version` says
	rows    []row
	notes   []string
	broken  bool
}

func (t *table) add(rows ...row) { t.rows = append(t.rows, rows...) }

func (t *table) note(format string, args ...any) {
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}

// skip adds a row that could not be measured here, and says why.
func (t *table) skip(what, why string) {
	t.add(row{What: what, Result: "skipped"})
	t.note("%s: skipped: %s", strings.Trim(what, "`"), why)
}

// fail adds a row for a measurement that broke, and marks the run as failed.
func (t *table) fail(what string, err error) {
	t.broken = true
	t.add(row{What: what, Result: "broken"})
	t.note("%s: broken: %v", what, err)
	progress("%s: %v", what, err)
}

// check records err, if any, as a failure of the measurement what.
func (t *table) check(what string, err error) {
	if err != nil {
		t.fail(what, err)
	}
}

// markdown renders the table with a caption naming the machine and the binaries.
func (t *table) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n**c3cred benchmark**, %s: %s; %s (%s), floors hello (%s) and keyringget "+
		"(%s), built as install.sh builds; %d timed pairs per row, through %d copies of each "+
		"binary; medians; peak RSS is the program's VmHWM at exit.\n\n",
		time.Now().Format(time.DateOnly), t.machine, strings.TrimSpace(t.version),
		size(t.bins.c3cred()), size(t.bins.hello), size(t.bins.keyring), t.pairs, copiesPerBinary)
	b.WriteString("| measurement | floor | c3cred | c3cred against floor | budget | |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, r := range t.rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.What, r.Floor, r.Subject,
			r.Ratio, r.Budget, r.Result)
	}
	if len(t.notes) > 0 {
		b.WriteString("\n")
	}
	for _, n := range t.notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	return b.String()
}

// machine names the CPU, its cores, the kernel and the Go that built the binaries.
func machine(goVersion string) string {
	return fmt.Sprintf("%s, %d cores, %s, %s", cpuModel(), runtime.NumCPU(), kernel(), goVersion)
}

// cpuModel reads the CPU's name from /proc/cpuinfo, or falls back to the architecture.
func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(data), "\n") {
		key, value, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return runtime.GOARCH
}

// kernel names the OS and, on Linux, the kernel's release.
func kernel() string {
	release, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return runtime.GOOS
	}
	return "Linux " + strings.TrimSpace(string(release))
}
