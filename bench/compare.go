package main

import (
	"fmt"
	"path/filepath"
)

// compareRow times -compare's c3cred against this tree's, in worlds alike: a cached call, its
// peak RSS, and a cold call.
func compareRow(t *table, scratch string, b *binaries, w *world, n int) error {
	progress("this tree against -compare's c3cred: cached and cold, %d pairs each", n)
	other, err := newWorld(scratch, filepath.Join(b.compare, "c3cred"), b.copies[compareName],
		w.srv, "file", nil)
	if err == nil {
		err = other.seed()
	}
	if err != nil {
		return err
	}
	fs, ss, err := versus(w, other.c3cred("token"), w.c3cred("token"), n)
	if err != nil {
		return err
	}
	t.add(ratioRow("`token`, cached, file: this tree against -compare", "-compare", fs, ss, nil))

	rss, err := rssRow("peak RSS, cached `token`: this tree against -compare", "-compare",
		other.c3cred("token"), w.c3cred("token"), n, nil)
	if err != nil {
		return err
	}
	t.add(rss)

	fs, ss, err = alternate(other.cold().run, w.cold().run, n)
	if err != nil {
		return err
	}
	cold := ratioRow("`token`, cold, file: this tree against -compare", "-compare", fs, ss, nil)
	cold.Ratio += fmt.Sprintf(" (%+.2f ms)", median(differences(fs, ss)))
	t.add(cold)
	return nil
}
