package bot

import "testing"

func TestParseRefusesMistypedOptionsWithDidYouMean(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // substrings of the message
	}{
		{"once misspelt", "alice@contoso.com 2h onse new phone", []string{"`onse`", "did you mean `once`"}},
		{"once misspelt in capitals", "alice@contoso.com ONSE 2h new phone", []string{"`ONSE`", "did you mean `once`"}},
		{"once missing a letter", "alice@contoso.com 2h onc new phone", []string{"did you mean `once`"}},
		{"multi with letters swapped", "alice@contoso.com 2h mutli new phone", []string{"`mutli`", "did you mean `multi`"}},
		{"multi cut short", "alice@contoso.com mult new phone", []string{"did you mean `multi`"}},
		{"multiple misspelt", "alice@contoso.com mulitple new phone", []string{"did you mean `multi`"}},
		{"reusable misspelt", "alice@contoso.com reusabel new phone", []string{"did you mean `multi`"}},
		{"one-time misspelt", "alice@contoso.com onetme new phone", []string{"did you mean `once`"}},
		{"single for once", "alice@contoso.com single new phone", []string{"did you mean `once`"}},
		{"twice for multi", "alice@contoso.com 2h twice new phone", []string{"`twice`", "did you mean `multi`"}},
		{"one-off for once", "alice@contoso.com one-off new phone", []string{"did you mean `once`"}},
		{"one time in two words", "alice@contoso.com 2h one time new phone", []string{"did you mean `once`"}},
		{"once with a comma", "alice@contoso.com 2h once, new phone", []string{"`once,`", "did you mean `once`"}},
		{"times for multi", "alice@contoso.com 2x new phone", []string{"`2x`", "did you mean `2h` or `2d`", "`multi`"}},
		{"times for once", "alice@contoso.com 1x new phone", []string{"`1x`", "`once`"}},
		{"hours misspelt", "alice@contoso.com 3hrz new phone", []string{"`3hrz`", "did you mean `3h`"}},
		{"hour unit doubled", "alice@contoso.com 2hh new phone", []string{"did you mean `2h`"}},
		{"days misspelt", "alice@contoso.com 2dy new phone", []string{"did you mean `2d`"}},
		{"minutes misspelt", "alice@contoso.com 90minz new phone", []string{"did you mean `90m`"}},
		{"weeks in short", "alice@contoso.com 2wks new phone", []string{"did you mean `14d`"}},
		{"a letter that is no unit", "alice@contoso.com 5g new phone", []string{"did you mean `5h` or `5d`"}},
		{"lifetime of two parts misspelt", "alice@contoso.com 1d12x new phone", []string{"`1d12x`", "did you mean a lifetime", "`1d12h`"}},
		{"lifetime with a comma", "alice@contoso.com 2h, new phone", []string{"`2h,`", "did you mean `2h`"}},
		{"hour of the day", "alice@contoso.com 2h 10am new phone", []string{"`10am`", "did you mean `at 10:00`"}},
		{"hour of the afternoon", "alice@contoso.com 2pm new phone", []string{"did you mean `at 14:00`"}},
		{"time with a comma", "alice@contoso.com 10:30, new phone", []string{"did you mean `at 10:30`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertRefused(t, tt.text, append(tt.want, "begin the reason with another word")) })
	}
}

func TestParseKeepsReasonsThatStartWithOrdinaryWords(t *testing.T) {
	for _, reason := range []string{
		"new phone", "lost phone", "one phone lost", "only phone broke", "since Monday locked out", "onto a new laptop",
		"ones and zeros", "on site visit", "none of her methods work", "done with the old phone", "unusable phone",
		"3rd phone this month", "1st sign-in", "2nd device", "4th time", "2fa reset", "24/7 support line", "3cx softphone",
		"1password vault", "8x8 phone", "2-step setup",
	} {
		t.Run(reason, func(t *testing.T) {
			text := "alice@contoso.com 2h once " + reason
			got, err := Parse(text, testNow, cet)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", text, err)
			}
			if got.Reason != reason {
				t.Fatalf("reason = %q, want %q", got.Reason, reason)
			}
		})
	}
}

func TestEditDistanceCountsSwapsAsOneEdit(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"once", "once", 0}, {"onse", "once", 1}, {"mutli", "multi", 1}, {"onc", "once", 1},
		{"ocne", "once", 1}, {"reusabel", "reusable", 1}, {"since", "once", 2}, {"", "h", 1}, {"é", "e", 1},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
