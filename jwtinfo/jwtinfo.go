// Package jwtinfo reads the claims of a JSON Web Token without verifying it.
//
// A client of the C3 AI Platform cannot check a token's signature: no public key is published to
// it. It reads the claims only to know when the token expires, so it can renew in time, and to
// show a user what a token says. Nothing here may be used to decide whether a token is
// trustworthy.
//
// # Expiry in milliseconds
//
// RFC 7519 writes exp in seconds since the epoch, but the platform writes it in milliseconds
// (1750278202122 for 2025-06-18T20:23:22Z). A stock JWT library reads such a value as a date some
// 55,000 years away, and a cache built on it would never renew. [Parse] therefore reads an exp
// above [MillisThreshold] as milliseconds: no token issued in seconds reaches that value before
// the year 5138, and no millisecond value falls below it after March 1973.
package jwtinfo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MillisThreshold is the exp value above which exp is read as milliseconds since the epoch.
const MillisThreshold = 1e11

// Unit tells how a token's exp claim was read.
type Unit string

// The ways exp can be read.
const (
	Seconds      Unit = "seconds"
	Milliseconds Unit = "milliseconds"
	NoExp        Unit = "none"
)

// ErrNotJWT reports a token that is not a well-formed JWT (three base64url parts, JSON inside).
var ErrNotJWT = errors.New("not a JWT")

// Info is what a token says about itself.
type Info struct {
	// Header is the decoded JOSE header (alg, typ).
	Header map[string]any
	// Claims holds every claim as decoded JSON; numbers are json.Number, so large values stay
	// exact.
	Claims map[string]any
	// Expiry is the instant exp names, or the zero time when the token has no exp.
	Expiry time.Time
	// ExpUnit says how exp was read.
	ExpUnit Unit
}

// Parse decodes token's header and claims and reads its expiry. It does not verify the signature.
func Parse(token string) (*Info, error) {
	claims := jwt.MapClaims{}
	parsed, _, err := jwt.NewParser(jwt.WithJSONNumber()).ParseUnverified(token, claims)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotJWT, err)
	}
	info := &Info{Header: parsed.Header, Claims: claims, ExpUnit: NoExp}
	raw, ok := claims["exp"]
	if !ok {
		return info, nil
	}
	info.Expiry, info.ExpUnit, err = readExp(raw)
	return info, err
}

// readExp turns an exp claim into an instant, choosing its unit by size.
func readExp(raw any) (time.Time, Unit, error) {
	num, ok := raw.(json.Number)
	if !ok {
		return time.Time{}, NoExp, fmt.Errorf("exp claim is %T, not a number", raw)
	}
	v, err := num.Float64()
	if err != nil || v <= 0 || math.IsInf(v, 0) || v > 1e15 {
		return time.Time{}, NoExp, fmt.Errorf("exp claim %.40s is out of range", num.String())
	}
	if v > MillisThreshold {
		return time.UnixMilli(int64(v)).UTC(), Milliseconds, nil
	}
	sec, frac := math.Modf(v)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), Seconds, nil
}
