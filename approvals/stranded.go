package approvals

import (
	"maps"
	"slices"
)

// Stranded lists the unfinished requests in st raised on a chat platform
// other than those named, oldest first. With no front-end for its
// platform, nobody can be shown such a request's card or handed its pass:
// tapbot leaves it as it is (a pending one still expires) until the
// platform is configured again, and serve and doctor name it so the
// operator knows.
func Stranded(st Store, platforms ...string) ([]*Request, error) {
	return st.ListOpen(func(r *Request) bool { return !slices.Contains(platforms, r.Requester.Platform) })
}

// Stranded is the package's Stranded for the platforms the service has
// notifiers for.
func (s *Service) Stranded() ([]*Request, error) {
	return Stranded(s.store, slices.Collect(maps.Keys(s.notifiers))...)
}
