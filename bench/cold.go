package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"c3cred/standin"
)

// coldRow times `token` with nothing cached against the same request made by a plain Go client
// inside the bench. The difference, pair by pair, is what c3cred costs beyond the stand-in's
// answer: its start, config, lock, the request's setup, saving the token.
func coldRow(t *table, w *world, n int) error {
	progress("token, cold: against a plain Go client's request, %d pairs", n)
	cold := w.cold()
	if _, _, err := cold.output(); err != nil {
		return err
	}
	fs, ss, err := alternate(plainRequest(w.srv), cold.run, n)
	if err != nil {
		return err
	}
	own := median(differences(fs, ss))
	t.add(row{What: "`token`, cold, file",
		Floor:   fmt.Sprintf("stand-in's answer %.2f ms", median(millis(fs))),
		Subject: fmt.Sprintf("%.2f ms", median(millis(ss))),
		Ratio:   fmt.Sprintf("%+.2f ms own", own), Budget: coldBudget.String(),
		Result: coldBudget.judge(own)})
	t.note("cold: the stand-in's answer is timed by a plain Go client in the bench, with a new " +
		"connection per request as c3cred makes; c3cred's own cost is the median of the pairs' " +
		"differences, and includes starting the process")
	return nil
}

// plainRequest is the stand-in's token request made by a plain net/http client, on a new
// connection each time.
func plainRequest(srv *standin.Server) timer {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true},
		Timeout: time.Minute}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {srv.ClientID},
		"client_secret": {srv.ClientSecret}}.Encode()
	return func(int) (sample, error) {
		start := time.Now()
		resp, err := client.Post(srv.TokenURL, "application/x-www-form-urlencoded",
			strings.NewReader(form))
		if err != nil {
			return sample{}, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		wall := time.Since(start)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("the stand-in answered a plain request with %s", resp.Status)
		}
		return sample{wall: wall}, err
	}
}

// crowdRow starts many cold `token` calls at once, several rounds: between them they must make
// one token request, and all print that token.
func crowdRow(t *table, w *world, s settings) error {
	progress("%d concurrent cold callers, %d rounds", s.callers, s.trials)
	var counts []string
	var slowest []float64
	result := "PASS"
	for range s.trials {
		requests, slow, err := crowd(w, s.callers)
		if err != nil {
			return err
		}
		counts = append(counts, fmt.Sprint(requests))
		slowest = append(slowest, slow.Seconds()*1e3)
		if requests != 1 {
			result = "MISS"
		}
	}
	t.add(row{What: fmt.Sprintf("%d concurrent cold `token` calls, file", s.callers),
		Subject: fmt.Sprintf("slowest caller %.1f ms (max %.1f)", median(slowest),
			slices.Max(slowest)),
		Ratio:  "token requests per round: " + strings.Join(counts, ", "),
		Budget: "1 request per round", Result: result})
	return nil
}

// crowd is one round: it empties the cache, starts callers `token` calls together, and reports
// how many token requests they made and the slowest one's wall time.
func crowd(w *world, callers int) (requests int, slowest time.Duration, err error) {
	if err := w.forget(); err != nil {
		return 0, 0, err
	}
	before := w.srv.TokenRequests()
	procs := make([]proc, callers)
	samples := make([]sample, callers)
	errs := make([]error, callers)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range procs {
		procs[i] = w.c3cred("token")
		procs[i].stdout = filepath.Join(w.root, fmt.Sprintf("caller-%d.out", i))
		procs[i].stderr = filepath.Join(w.root, fmt.Sprintf("caller-%d.err", i))
		wg.Go(func() {
			<-gate
			samples[i], errs[i] = procs[i].run(i)
		})
	}
	close(gate)
	wg.Wait()

	if err := errors.Join(errs...); err != nil {
		return 0, 0, fmt.Errorf("a concurrent caller failed: %v", err)
	}
	if err := sameToken(w, procs); err != nil {
		return 0, 0, err
	}
	for _, s := range samples {
		slowest = max(slowest, s.wall)
	}
	return w.srv.TokenRequests() - before, slowest, nil
}

// sameToken checks that every caller printed the same valid token and nothing on stderr.
func sameToken(w *world, procs []proc) error {
	var first string
	for _, p := range procs {
		out, err := os.ReadFile(p.stdout)
		if err != nil {
			return err
		}
		if errOut, _ := os.ReadFile(p.stderr); len(errOut) > 0 {
			return fmt.Errorf("a concurrent caller wrote to stderr: %s", firstLine(string(errOut)))
		}
		token, err := parseToken(string(out))
		switch {
		case err != nil:
			return err
		case first == "":
			first = token
		case token != first:
			return errors.New("concurrent callers printed different tokens")
		}
	}
	if !w.srv.Valid(first) {
		return errors.New("concurrent callers printed a token the stand-in did not issue")
	}
	return nil
}
