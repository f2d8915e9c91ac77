package julep

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// ExpiryWarnWithin is how close to its expiry a key starts to warn.
const ExpiryWarnWithin = 7 * 24 * time.Hour

// KeyExpiry reads the exp claim of a JWT API key, without verifying the
// signature: it only tells the user when to expect the key to stop
// working. It returns false for a key that is not a JWT or has no exp.
func KeyExpiry(key string) (time.Time, bool) {
	parts := strings.Split(strings.TrimSpace(key), ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Exp == nil {
		return time.Time{}, false
	}
	f, err := claims.Exp.Float64()
	if err != nil || f <= 0 || f > math.MaxInt32*4 || math.IsNaN(f) {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

// KeyExpiryWarning says whether the key has expired or expires within
// ExpiryWarnWithin of now, and if so, how to say it. A key without a
// readable expiry never warns.
func KeyExpiryWarning(key string, now time.Time) (string, bool) {
	exp, ok := KeyExpiry(key)
	if !ok {
		return "", false
	}
	day := exp.Format(time.DateOnly)
	switch left := exp.Sub(now); {
	case left <= 0:
		return fmt.Sprintf("the API key expired on %s: get a new one from the Julep dashboard", day), true
	case left <= ExpiryWarnWithin:
		days := int(left.Hours() / 24)
		when := "within a day"
		if days == 1 {
			when = "in 1 day"
		} else if days > 1 {
			when = fmt.Sprintf("in %d days", days)
		}
		return fmt.Sprintf("the API key expires %s (%s)", when, day), true
	}
	return "", false
}
