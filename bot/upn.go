package bot

import (
	"strings"
	"unicode/utf8"
)

// Limits Entra puts on a user principal name.
const (
	maxUPNLen    = 113
	maxLocalLen  = 64
	maxDomainLen = 48
)

// ParseUPN checks that s is a user principal name Entra would accept and
// returns it lower-cased. A Slack link (<mailto:a@b|a@b>, <mailto:a@b>),
// angle brackets and trailing punctuation (a comma, a full stop) are
// removed first. The local part may hold letters, digits and ' . - _ ! # ^ ~
// (so guests' #EXT# names pass), up to 64 characters, with no dot at either
// end or two in a row; the domain is a DNS name with a dot, up to 48
// characters. It returns an EINVALID *approvals.Error naming s otherwise.
func ParseUPN(s string) (string, error) {
	upn, err := unwrapMailto(strings.TrimRight(s, ",;:."))
	if err != nil {
		return "", err
	}
	upn = strings.ToLower(strings.TrimRight(upn, ",;:."))
	if err := checkUPN(s, upn); err != nil {
		return "", err
	}
	return upn, nil
}

// unwrapMailto returns the address inside a Slack mail link or angle
// brackets. A link whose text differs from its address is refused, since
// which of the two was meant cannot be known.
func unwrapMailto(s string) (string, error) {
	const prefix = "<mailto:"
	if !strings.HasPrefix(s, "<") || !strings.HasSuffix(s, ">") || len(s) < 2 {
		return s, nil
	}
	inner := s[1 : len(s)-1]
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		inner = s[len(prefix) : len(s)-1]
	}
	addr, label, _ := strings.Cut(inner, "|")
	if label = strings.TrimSpace(label); label != "" && !strings.EqualFold(label, addr) {
		return "", invalid("The link %s shows %s but points to %s; type the sign-in name without a link.", quote(s), quote(label), quote(addr))
	}
	return addr, nil
}

// checkUPN applies Entra's rules for a user principal name to upn; raw is
// what the user typed, for the message.
func checkUPN(raw, upn string) error {
	local, domain, _ := strings.Cut(upn, "@")
	switch {
	case !strings.Contains(upn, "@"):
		return invalid("%s is not a sign-in name: it needs an @, like alice@contoso.com.", quote(raw))
	case strings.Contains(domain, "@"):
		return invalid("%s has more than one @; a sign-in name looks like alice@contoso.com.", quote(raw))
	case len(upn) > maxUPNLen:
		return invalid("%s is longer than the %d characters Entra allows in a sign-in name.", quote(raw), maxUPNLen)
	}
	if err := checkLocalPart(raw, local); err != nil {
		return err
	}
	return checkDomain(raw, domain)
}

// checkLocalPart checks the part of a UPN before the @.
func checkLocalPart(raw, local string) error {
	if bad := strings.IndexFunc(local, func(r rune) bool { return !isLocalRune(r) }); bad >= 0 {
		r, _ := utf8.DecodeRuneInString(local[bad:])
		return invalid("%s contains %s, which Entra does not allow before the @ (only letters, digits and ' . - _ ! # ^ ~).", quote(raw), quote(string(r)))
	}
	switch {
	case local == "":
		return invalid("%s has nothing before the @; a sign-in name looks like alice@contoso.com.", quote(raw))
	case len(local) > maxLocalLen:
		return invalid("The part before the @ in %s is longer than the %d characters Entra allows.", quote(raw), maxLocalLen)
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return invalid("The part before the @ in %s may not start or end with a dot or have two dots in a row.", quote(raw))
	}
	return nil
}

// checkDomain checks the part of a UPN after the @: a DNS name with at
// least two labels whose last one is not a number.
func checkDomain(raw, domain string) error {
	labels := strings.Split(domain, ".")
	switch {
	case domain == "":
		return invalid("%s has no domain after the @, like contoso.com.", quote(raw))
	case len(domain) > maxDomainLen:
		return invalid("The domain in %s is longer than the %d characters Entra allows.", quote(raw), maxDomainLen)
	case len(labels) < 2:
		return invalid("The domain in %s needs a dot, like contoso.com.", quote(raw))
	case strings.Trim(labels[len(labels)-1], "0123456789") == "":
		return invalid("The domain in %s must end in a name such as .com, not a number.", quote(raw))
	}
	for _, l := range labels {
		if err := checkLabel(raw, l); err != nil {
			return err
		}
	}
	return nil
}

// checkLabel checks one dot-separated part of a domain.
func checkLabel(raw, label string) error {
	switch {
	case label == "":
		return invalid("The domain in %s has an empty part between dots.", quote(raw))
	case strings.IndexFunc(label, func(r rune) bool { return !isDNSRune(r) }) >= 0:
		return invalid("The domain in %s may hold only letters, digits, hyphens and dots.", quote(raw))
	case label[0] == '-' || label[len(label)-1] == '-':
		return invalid("A part of the domain in %s starts or ends with a hyphen.", quote(raw))
	}
	return nil
}

func isLocalRune(r rune) bool {
	return isDNSRune(r) || strings.ContainsRune("'._!#^~", r)
}

func isDNSRune(r rune) bool {
	return isDigit(r) || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '-'
}
