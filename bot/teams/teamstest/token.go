package teamstest

import (
	"crypto/x509"

	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// TokenRequests returns every token request the bot's app made to the
// Entra fake so far, in order. They never hold the client secret.
func (s *Server) TokenRequests() []graphtest.TokenRequest {
	var mine []graphtest.TokenRequest
	for _, r := range s.login.TokenRequests() {
		if r.ClientID == s.appID {
			mine = append(mine, r)
		}
	}
	return mine
}

// SetClientCertificate uploads cert to the bot's app registration: the
// token endpoint then accepts client assertions signed with its key.
func (s *Server) SetClientCertificate(cert *x509.Certificate) {
	s.updateApp(func(a *graphtest.App) { a.Certificate = cert })
}

func (s *Server) updateApp(change func(*graphtest.App)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change(&s.app)
	s.login.RegisterApp(s.app)
}
