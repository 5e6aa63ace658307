package wire

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/shared"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // UTC RFC 3339 with fraction when present; "" for an error
	}{
		{"RFC 3339 with Z", "2016-01-04T15:43:34Z", "2016-01-04T15:43:34Z"},
		{"RFC 3339 with fraction and Z", "2016-01-04T15:43:34.000Z", "2016-01-04T15:43:34Z"},
		{"RFC 3339 with milliseconds and a negative offset", "2007-09-28T10:38:00.001-07:00", "2007-09-28T17:38:00.001Z"},
		{"ISO offset without colon", "2017-10-11T10:41:00+0100", "2017-10-11T09:41:00Z"},
		{"ISO with space and no zone is UTC", "2016-01-12 12:35:40", "2016-01-12T12:35:40Z"},
		{"ISO with GMT+00:00 suffix", "2013-03-04 11:40:31 GMT+00:00", "2013-03-04T11:40:31Z"},
		{"ISO basic form with offset", "20130516T040100+0000", "2013-05-16T04:01:00Z"},
		{"ISO basic form with Z", "20140829T135002Z", "2014-08-29T13:50:02Z"},
		{"ISO date only", "2017-07-03", "2017-07-03T00:00:00Z"},
		{"ISO basic date only", "20010714", "2001-07-14T00:00:00Z"},
		{"ISO without seconds", "2023-10-08T02:34+02:00", "2023-10-08T00:34:00Z"},
		{"RFC 1123 with GMT", "Fri, 23 Jun 2017 11:14:43 GMT", "2017-06-23T11:14:43Z"},
		{"RFC 1123 with numeric zone", "Fri, 24 Nov 2017 05:45:00 -0800", "2017-11-24T13:45:00Z"},
		{"RFC 822 with -0000", "Fri, 30 Aug 2019 13:00:00 -0000", "2019-08-30T13:00:00Z"},
		{"RFC 822 with Z zone", "Tue, 15 Nov 2022 20:15:04 Z", "2022-11-15T20:15:04Z"},
		{"RFC 822 with two-digit year", "Fri, 03 Nov 17 02:02:41 +0000", "2017-11-03T02:02:41Z"},
		{"RFC 822 without seconds", "Mon, 6 Nov 2017 02:53 EST", "2017-11-06T07:53:00Z"},
		{"RFC 822 without day name", "06 Nov 2017 02:53:19 PDT", "2017-11-06T09:53:19Z"},
		{"RFC 822 with UT", "Sun, 19 Nov 2017 02:02:50 UT", "2017-11-19T02:02:50Z"},
		{"Italian day and month names", "mer, 16 nov 2022 00:38:15 +0100", "2022-11-15T23:38:15Z"},
		{"Italian martedì shares its abbreviation with March", "mar, 15 nov 2022 10:00:00 +0100", "2022-11-15T09:00:00Z"},
		{"Italian month gennaio", "lun, 09 gen 2023 08:00:00 +0100", "2023-01-09T07:00:00Z"},
		{"French month with accent", "jeu., 3 déc. 2020 14:00:00 +0100", "2020-12-03T13:00:00Z"},
		{"German month", "Mo, 7 Mär 2022 09:30:00 +0100", "2022-03-07T08:30:00Z"},
		{"US 12-hour clock PM", "Sat, Dec 16 2023 02:02:33 PM", "2023-12-16T14:02:33Z"},
		{"US 12-hour clock AM at twelve", "Dec 16, 2023 12:05 AM", "2023-12-16T00:05:00Z"},
		{"US 12-hour clock with p.m.", "March 3, 2021 3:04 p.m. EST", "2021-03-03T20:04:00Z"},
		{"year first with slashes", "2020/1/10 14:03:00", "2020-01-10T14:03:00Z"},
		{"US month first with slashes", "1/10/2020", "2020-01-10T00:00:00Z"},
		{"day first when the first number exceeds 12", "25/12/2020 10:00", "2020-12-25T10:00:00Z"},
		{"European day first with dots", "16.11.2022 08:15", "2022-11-16T08:15:00Z"},
		{"Reuters corpus form", "26-FEB-1987 15:01:01.79", "1987-02-26T15:01:01.79Z"},
		{"ordinal day", "October 27th 2020", "2020-10-27T00:00:00Z"},
		{"trailing whitespace from CDATA", "  Mon, 26 Jun 2017 12:20:05 GMT \n", "2017-06-26T12:20:05Z"},
		{"empty is an error", "", ""},
		{"a place is an error", "FORT WASHINGTON, Pa.", ""},
		{"a malformed clock is an error", "31-MAR-1987 605:12:19.12", ""},
		{"February 30 is an error", "2021-02-30", ""},
		{"thirteenth month is an error", "2021-13-01T00:00:00Z", ""},
		{"megabytes of digits are an error", strings.Repeat("9", 1<<20), ""},
		{"two zones are an error", "Mon, 26 Jun 2017 12:20:05 GMT +0200", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTime(tc.in)
			if tc.want == "" {
				require.ErrorIs(t, err, ErrTime)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got.UTC().Format(time.RFC3339Nano))
		})
	}
}

// feedDate matches the date elements of the RSS, Atom, NewsML 1.2 and G2
// samples, with their text in CDATA or not.
var feedDate = regexp.MustCompile(`(?s)<((?:[a-zA-Z0-9]+:)?(?:pubDate|lastBuildDate|updated|published|date|modified|issued|created|versionCreated|firstCreated|contentCreated|sent|embargoed|DateAndTime|FirstCreated|ThisRevisionCreated))(?:\s[^>]*)?>\s*(?:<!\[CDATA\[)?([^<\]]{4,80}?)(?:\]\]>)?\s*</`)

// ninjsDate matches the date properties of the ninjs samples.
var ninjsDate = regexp.MustCompile(`"(?i:firstcreated|versioncreated|contentcreated|embargoed|firstpublished|expires)"\s*:\s*"([^"]+)"`)

// TestParseTimeFeedSamples parses every date in the shared feed samples.
func TestParseTimeFeedSamples(t *testing.T) {
	dir := shared.Path(t, "feeds")
	n := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var dates []string
		for _, m := range feedDate.FindAllSubmatch(b, -1) {
			dates = append(dates, string(m[2]))
		}
		for _, m := range ninjsDate.FindAllSubmatch(b, -1) {
			dates = append(dates, string(m[1]))
		}
		for _, s := range dates {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			n++
			_, err := ParseTime(s)
			require.NoError(t, err, "%s: %q", filepath.Base(path), s)
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, n, 500, "the samples hold hundreds of dates")
	t.Logf("parsed %d dates from %s", n, dir)
}
