package approvals_test

import (
	"path/filepath"
	"testing"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/approvals/storetest"
)

func TestBoltStoreKeepsTheStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		path := filepath.Join(t.TempDir(), "tapbot.db")
		return storetest.Backend{
			Open: func(opts ...approvals.OpenOption) (approvals.Store, error) {
				s, err := approvals.Open(path, opts...)
				if err != nil {
					return nil, err
				}
				return s, nil
			},
			Waiting: func(st approvals.Store) (int, error) { return approvals.WaitingSteps(st.(*approvals.BoltStore)), nil },
		}
	})
}
