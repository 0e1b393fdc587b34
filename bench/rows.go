package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strings"

	"c3cred/standin"
)

// The budget of issue 5.
var (
	fileBudget    = &budget{limit: 1.5, aim: 1.3, unit: "×"}
	keyringBudget = &budget{limit: 1.2, unit: "×"}
	rssBudget     = &budget{limit: 8, aim: 6, unit: " MiB"}
	coldBudget    = &budget{limit: 5, unit: " ms own"}
)

// execInfo is what kubectl 1.32 puts in KUBERNETES_EXEC_INFO for an exec plugin.
const execInfo = `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",` +
	`"spec":{"interactive":false}}`

// measure fills the table: every row but the keyring's in a world caching in a file, then the
// keyring's in a session of their own. A row that breaks is marked so and the others still run.
func measure(t *table, scratch string, b *binaries, s settings) {
	srv, err := standin.Start(standin.Options{})
	if err != nil {
		t.fail("the stand-in", err)
		return
	}
	defer srv.Close()
	w, err := newWorld(scratch, b.c3cred(), b.copies[c3credName], srv, "file", nil)
	if err == nil {
		err = w.seed()
	}
	if err != nil {
		t.fail("a world caching in a file", err)
		return
	}
	if t.version, _, err = w.c3cred("version").output(); err != nil {
		t.fail("c3cred version", err)
		return
	}

	hello := proc{path: b.hello, copies: b.copies[helloName], argv: []string{"hello"}, env: w.env}
	t.check("start only", startRow(t, w, hello, s.pairs))
	t.check("token, cached, file", fileRows(t, w, hello, s.pairs))
	t.check("kubectl, cached", kubectlRow(t, w, hello, s.pairs))
	t.check("git-credential get, cached", gitRow(t, w, hello, s.pairs))
	t.check("token, cold", coldRow(t, w, s.pairs))
	t.check("concurrent cold callers", crowdRow(t, w, s))
	if s.compare != "" {
		t.check("-compare", compareRow(t, scratch, b, w, s.pairs))
	}
	t.check("keyring", keyringRows(t, scratch, b, s.pairs))
}

// startRow times `c3cred version`, which reads no config and no cache: the cost of starting the
// binary, its package initialisation included.
func startRow(t *table, w *world, hello proc, n int) error {
	progress("start only: c3cred version against hello, %d pairs", n)
	fs, ss, err := alternate(hello.run, w.c3cred("version").run, n)
	if err != nil {
		return err
	}
	t.add(ratioRow("start only: `c3cred version`", "hello", fs, ss, nil))
	return nil
}

// fileRows times a cached `token` from the file backend, and reports its peak RSS.
func fileRows(t *table, w *world, hello proc, n int) error {
	progress("token, cached, file: against hello, %d pairs", n)
	fs, ss, err := versus(w, hello, w.c3cred("token"), n)
	if err != nil {
		return err
	}
	t.add(ratioRow("`token`, cached, file", "hello", fs, ss, fileBudget))

	r, err := rssRow("peak RSS, cached `token`, file", "hello", hello, w.c3cred("token"), n,
		rssBudget)
	t.add(r)
	return err
}

// kubectlRow times a cached `kubectl` as kubectl runs it.
func kubectlRow(t *table, w *world, hello proc, n int) error {
	const what = "`kubectl`, cached, file"
	progress("kubectl, cached, file: against hello, %d pairs", n)
	p := w.c3cred("kubectl")
	p.env = append(slices.Clone(p.env), "KUBERNETES_EXEC_INFO="+execInfo)
	fs, ss, err := versus(w, hello, p, n)
	if err != nil {
		return err
	}
	t.add(ratioRow(what, "hello", fs, ss, fileBudget))
	return nil
}

// gitRow times git-credential-c3 get as git calls it: by that name, with the request on stdin.
func gitRow(t *table, w *world, hello proc, n int) error {
	const what = "`git-credential get`, cached, file"
	progress("git-credential get, cached, file: against hello, %d pairs", n)
	p, err := w.gitGet()
	if err != nil {
		return err
	}
	hello.stdin = p.stdin
	fs, ss, err := versus(w, hello, p, n)
	if err != nil {
		return err
	}
	t.add(ratioRow(what, "hello", fs, ss, fileBudget))
	return nil
}

// versus checks that subject prints the cached token and nothing on stderr, then times floor and
// subject by turns. No timed call may reach the token endpoint: that would not be a cached call.
func versus(w *world, floor, subject proc, n int) (fs, ss []sample, err error) {
	if err := w.seed(); err != nil { // the cold rows replace the cached token
		return nil, nil, err
	}
	stdout, stderr, err := subject.output()
	switch {
	case err != nil:
		return nil, nil, err
	case !strings.Contains(stdout, w.token):
		return nil, nil, fmt.Errorf("%s did not print the cached token", subject)
	case stderr != "":
		return nil, nil, fmt.Errorf("%s wrote to stderr: %s", subject, firstLine(stderr))
	}

	before := w.srv.TokenRequests()
	fs, ss, err = alternate(floor.run, subject.run, n)
	if made := w.srv.TokenRequests() - before; err == nil && made > 0 {
		err = fmt.Errorf("%s made %d token requests; a cached call makes none", subject, made)
	}
	return fs, ss, err
}

// ratioRow compares the wall times of a floor and c3cred, judged against b when b is not nil.
func ratioRow(what, floor string, fs, ss []sample, b *budget) row {
	r := median(ratios(fs, ss))
	return row{What: what,
		Floor:   fmt.Sprintf("%s %.2f ms", floor, median(millis(fs))),
		Subject: fmt.Sprintf("%.2f ms", median(millis(ss))),
		Ratio:   fmt.Sprintf("%.2f×", r), Budget: b.String(), Result: b.judge(r)}
}

// rssRow reads the peak RSS of a floor and c3cred by turns, at most rssRuns times each, and
// compares them in MiB, judged against b when b is not nil. Where ptrace is not allowed (some
// containers forbid it) the row says so instead.
func rssRow(what, floorName string, floor, subject proc, n int, b *budget) (row, error) {
	floorMiB, subjectMiB, err := peaks(floor, subject, min(n, rssRuns))
	switch {
	case errors.Is(err, fs.ErrPermission):
		return row{What: what, Subject: "not measured: " + err.Error(), Budget: b.String(),
			Result: "skipped"}, nil
	case err != nil:
		return row{}, err
	}
	f, m := median(floorMiB), median(subjectMiB)
	if m == 0 {
		return row{What: what, Subject: "not measured off Linux", Budget: b.String()}, nil
	}
	return row{What: what,
		Floor:   fmt.Sprintf("%s %.2f MiB", floorName, f),
		Subject: fmt.Sprintf("%.2f MiB", m),
		Ratio:   fmt.Sprintf("%.2f×", m/f), Budget: b.String(), Result: b.judge(m)}, nil
}

// budget is a line of issue 5's budget: a limit, and the figure aimed for if any.
type budget struct {
	limit, aim float64
	unit       string
}

func (b *budget) String() string {
	switch {
	case b == nil:
		return ""
	case b.aim > 0:
		return fmt.Sprintf("≤ %g%s (aim %g%s)", b.limit, b.unit, b.aim, b.unit)
	}
	return fmt.Sprintf("≤ %g%s", b.limit, b.unit)
}

// judge says PASS when v is within the limit, MISS when not, and nothing without a budget. It
// judges v as the table shows it, to two decimals: a ratio printed as 1.20× meets a limit of 1.2.
func (b *budget) judge(v float64) string {
	switch {
	case b == nil:
		return ""
	case math.Round(v*100)/100 <= b.limit:
		return "PASS"
	}
	return "MISS"
}
