package model

import (
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

// Duration is a rotation policy or age written with the units h, d and w,
// such as 36h, 90d or 12w. Its zero value means "none".
type Duration time.Duration

// ParseDuration parses a whole number followed by one unit: h (hours), d
// (days) or w (weeks). Combinations such as 1w2d are accepted too.
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
			return 0, invalid("duration", "%q: expected a number at %q; write e.g. 90d, 12w or 36h", Printable(orig), Printable(s))
		}
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || n > 100000*24 {
			return 0, invalid("duration", "%q: number too large", Printable(orig))
		}
		if i == len(s) {
			return 0, invalid("duration", "%q: missing unit; use h, d or w (e.g. %sd)", Printable(orig), s[:i])
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
			return 0, invalid("duration", "%q: unknown unit %q; use h, d or w", Printable(orig), Printable(s[i:i+1]))
		}
		total += time.Duration(n) * unit
		s = s[i+1:]
	}
	return Duration(total), nil
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

// HumanAge writes an elapsed time compactly for tables: 5m, 3h, 12d, 8w, 2y.
func HumanAge(d time.Duration) string {
	switch {
	case d < 0:
		return "0m"
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
