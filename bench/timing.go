package main

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// warmup is how many untimed pairs run before the timed ones: they bring the binaries into the
// page cache and let the CPU settle.
const warmup = 5

// sample is what one timed run cost.
type sample struct {
	wall time.Duration
}

// timer runs one thing to time (a process, or a request the bench makes itself) for the i-th
// pair, and reports what it cost.
type timer func(i int) (sample, error)

// proc is a program to start, as a caller such as kubectl would start it.
type proc struct {
	path   string   // the binary, for untimed runs
	copies []string // copies of it for timed runs to take turns with; none means path
	argv   []string // argv[0] is the name the program sees
	env    []string
	stdin  string       // a file to read standard input from; "" means the null device
	stdout string       // a file to write standard output to; "" means the null device
	stderr string       // a file to write standard error to; "" means the null device
	before func() error // runs before the clock starts, e.g. to empty the cache
}

// run starts copy i of p, waits for it and reports its wall time, from just before the start to
// just after the wait. A run that fails is an error: a floor that fails measures nothing.
func (p proc) run(i int) (sample, error) {
	if p.before != nil {
		if err := p.before(); err != nil {
			return sample{}, err
		}
	}
	files, err := p.files()
	if err != nil {
		return sample{}, err
	}
	defer closeAll(files)

	start := time.Now()
	child, err := os.StartProcess(p.binary(i), p.argv, &os.ProcAttr{Env: p.env, Files: files})
	if err != nil {
		return sample{}, err
	}
	state, err := child.Wait()
	wall := time.Since(start)

	if err != nil {
		return sample{}, err
	}
	if !state.Success() {
		return sample{}, fmt.Errorf("%s: %v", p, state)
	}
	return sample{wall: wall}, nil
}

// files opens the standard input, output and error p asks for.
func (p proc) files() ([]*os.File, error) {
	in, err := os.Open(cmp.Or(p.stdin, os.DevNull))
	if err != nil {
		return nil, err
	}
	files := []*os.File{in}
	for _, name := range []string{p.stdout, p.stderr} {
		f, err := os.Create(cmp.Or(name, os.DevNull))
		if err != nil {
			closeAll(files)
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// binary is the copy of p that run i starts.
func (p proc) binary(i int) string {
	if len(p.copies) == 0 {
		return p.path
	}
	return p.copies[i%len(p.copies)]
}

func (p proc) String() string { return strings.Join(p.argv, " ") }

// output runs p once, untimed, and returns what it printed, to check the answer before timing.
func (p proc) output() (stdout, stderr string, err error) {
	if p.before != nil {
		if err := p.before(); err != nil {
			return "", "", err
		}
	}
	cmd := &exec.Cmd{Path: p.path, Args: p.argv, Env: p.env}
	if p.stdin != "" {
		f, err := os.Open(p.stdin)
		if err != nil {
			return "", "", err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		return o.String(), e.String(), fmt.Errorf("%s: %v: %s", p, err, firstLine(e.String()))
	}
	return o.String(), e.String(), nil
}

// alternate runs a and b by turns, a first, and returns n timed samples of each, taken after the
// warm-up. Taking them in pairs lets the ratio of each pair cancel the drift of a shared machine.
func alternate(a, b timer, n int) (as, bs []sample, err error) {
	for i := -warmup; i < n; i++ {
		sa, err := a(i + warmup)
		if err != nil {
			return nil, nil, err
		}
		sb, err := b(i + warmup)
		if err != nil {
			return nil, nil, err
		}
		if i >= 0 {
			as, bs = append(as, sa), append(bs, sb)
		}
	}
	return as, bs, nil
}

// median is the middle of xs, or the mean of the two middle values.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	m := len(s) / 2
	if len(s)%2 == 0 {
		return (s[m-1] + s[m]) / 2
	}
	return s[m]
}

// millis lists the wall times in milliseconds.
func millis(s []sample) []float64 {
	out := make([]float64, len(s))
	for i, x := range s {
		out[i] = x.wall.Seconds() * 1e3
	}
	return out
}

// rssRuns is how many times the peak RSS of each program is read: it varies far less than time.
const rssRuns = 25

// peaks reads the peak RSS of floor and subject by turns, n times each, in MiB.
func peaks(floor, subject proc, n int) (fs, ss []float64, err error) {
	for i := range n {
		f, err := floor.peakRSS(i)
		if err != nil {
			return nil, nil, err
		}
		s, err := subject.peakRSS(i)
		if err != nil {
			return nil, nil, err
		}
		fs, ss = append(fs, float64(f)/(1<<20)), append(ss, float64(s)/(1<<20))
	}
	return fs, ss, nil
}

// ratios lists b's wall time over a's, pair by pair.
func ratios(as, bs []sample) []float64 {
	out := make([]float64, len(as))
	for i := range as {
		out[i] = bs[i].wall.Seconds() / as[i].wall.Seconds()
	}
	return out
}

// differences lists b's wall time minus a's in milliseconds, pair by pair.
func differences(as, bs []sample) []float64 {
	out := make([]float64, len(as))
	for i := range as {
		out[i] = (bs[i].wall - as[i].wall).Seconds() * 1e3
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
