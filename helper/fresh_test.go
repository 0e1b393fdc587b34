package helper

import (
	"testing"
	"time"

	"c3cred/cache"
)

func TestFresh(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	entry := func(obtainedAgo, lifetime time.Duration) cache.Entry {
		obtained := now.Add(-obtainedAgo)
		return cache.Entry{ObtainedAt: obtained, ExpiresAt: obtained.Add(lifetime)}
	}
	const minTTL = 5 * time.Minute
	tests := []struct {
		name   string
		e      cache.Entry
		minTTL time.Duration
		want   bool
	}{
		{"new hour token", entry(0, time.Hour), minTTL, true},
		{"6m left of an hour", entry(54*time.Minute, time.Hour), minTTL, true},
		{"4m left of an hour", entry(56*time.Minute, time.Hour), minTTL, false},
		{"exactly min_ttl left", entry(55*time.Minute, time.Hour), minTTL, false},
		{"expired", entry(2*time.Hour, time.Hour), minTTL, false},
		{"4m token, 1m old", entry(time.Minute, 4*time.Minute), minTTL, true},
		{"4m token, 2m old (half-life)", entry(2*time.Minute, 4*time.Minute), minTTL, false},
		{"5m token, 2m old (life = min_ttl)", entry(2*time.Minute, 5*time.Minute), minTTL, true},
		{"6m token, 2m old (min_ttl rules)", entry(2*time.Minute, 6*time.Minute), minTTL, false},
		{"hour token, 5m old, min_ttl 59m", entry(5*time.Minute, time.Hour), 59 * time.Minute,
			false},
		{"zero min_ttl, 1s left", entry(time.Hour-time.Second, time.Hour), 0, true},
		{"obtained 30s ahead (clock skew)", entry(-30*time.Second, time.Hour), minTTL, true},
		{"obtained 2h ahead (clock went back)", entry(-2*time.Hour, 3*time.Hour), minTTL, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fresh(tt.e, tt.minTTL, now); got != tt.want {
				t.Errorf("Fresh = %v, want %v (obtained %v, expires %v)", got, tt.want,
					tt.e.ObtainedAt, tt.e.ExpiresAt)
			}
		})
	}
}
