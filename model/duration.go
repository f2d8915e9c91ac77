package model

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Day and Week are the calendar-free units of rotation policies and age
// filters: a day is always 24 hours.
const (
	Day  = 24 * time.Hour
	Week = 7 * Day
)

// MaxDuration is the longest duration keyward takes (a rotation policy, an
// age in a filter) and the cap of every age it shows: 100 years, written
// 36500d. Go's time.Duration ends at about 292 years, and a longer duration
// used to wrap around to a negative one (issue 11, item 9).
const MaxDuration = 36500 * Day

// Duration is a rotation policy or age written with the units h, d and w,
// such as 36h, 90d or 12w. Its zero value means "none".
type Duration time.Duration

// ParseDuration parses a whole number followed by one unit: h (hours), d
// (days) or w (weeks). Combinations such as 1w2d are accepted too. The total
// must be at most MaxDuration.
func ParseDuration(s string) (Duration, error) {
	orig := s
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, invalid("duration", "is empty; write a number and a unit, e.g. 90d, 12w or 36h")
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, invalid("duration", "%q: expected a number at %q; write e.g. 90d, 12w or 36h", echo(orig), echo(s))
		}
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			n = math.MaxInt64 // too many digits: too long, said below
		}
		if i == len(s) {
			return 0, invalid("duration", "%q: missing unit; use h, d or w (e.g. %sd)", echo(orig), s[:i])
		}
		var unit time.Duration
		switch s[i] {
		case 'h':
			unit = time.Hour
		case 'd':
			unit = Day
		case 'w':
			unit = Week
		default:
			return 0, invalid("duration", "%q: unknown unit %q; use h, d or w", echo(orig), Printable(s[i:i+1]))
		}
		// Checked before multiplying, so that nothing wraps around.
		if n > int64((MaxDuration-total)/unit) {
			return 0, tooLong(orig)
		}
		total += time.Duration(n) * unit
		s = s[i+1:]
	}
	return Duration(total), nil
}

const overLimit = "is longer than the limit of 100 years (36500d)"

func tooLong(s string) error {
	return invalid("duration", "%q %s", echo(s), overLimit)
}

// isTooLong reports whether err is ParseDuration's over-the-limit error.
func isTooLong(err error) bool {
	ve, ok := err.(*ValidationError)
	return ok && strings.HasSuffix(ve.Msg, overLimit)
}

// CheckDuration is the one limit of a duration, for values that did not
// come through ParseDuration: not negative, at most MaxDuration.
func CheckDuration(d Duration) error {
	switch {
	case d < 0:
		return invalid("duration", "must not be negative")
	case time.Duration(d) > MaxDuration:
		return tooLong(d.String())
	}
	return nil
}

// String writes d in the largest unit that divides it exactly (12w, 90d,
// 36h), so it parses back to the same duration. The zero duration is "".
func (d Duration) String() string {
	td := time.Duration(d)
	switch {
	case td <= 0:
		return ""
	case td%Week == 0:
		return strconv.FormatInt(int64(td/Week), 10) + "w"
	case td%Day == 0:
		return strconv.FormatInt(int64(td/Day), 10) + "d"
	default:
		return strconv.FormatInt(int64(td/time.Hour), 10) + "h"
	}
}

// HumanAge writes an elapsed time compactly for tables, in at most four
// characters: 5m, 3h, 12d, 8w, 2y. Past 99 years it is ">99y": such a time
// (a year-0 created_at in a hand-edited index) is no real age, and Go's
// durations end at 292 years, which used to show as "292y".
func HumanAge(d time.Duration) string {
	switch {
	case d < 0:
		return "0m"
	case d >= 100*365*Day:
		return ">99y"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 2*Day:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d < 10*Week:
		return strconv.Itoa(int(d/Day)) + "d"
	case d < 104*Week:
		return strconv.Itoa(int(d/Week)) + "w"
	default:
		return strconv.Itoa(int(d/(365*Day))) + "y"
	}
}

// ParsePolicy parses a rotation policy as a user writes it on the command
// line or in the form: a duration (90d, 12w, 36h), or "" or "none" (any
// case) for no policy, which is the zero Duration.
func ParsePolicy(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "none") {
		return 0, nil
	}
	return ParseDuration(s)
}
