// Package podcasts is the domain of the podcasts API, the second, tiny
// resource server of the demo: each demo user's podcast subscriptions,
// kept as static data (there is nothing to change, so no database).
//
// It exists so that audience confusion can be seen: a token issued for the
// music API is refused here, and the reverse (RFC 8707).
package podcasts

import (
	"slices"

	"github.com/oauthlab/oauthlab/shared/contract"
)

// Podcast is one subscription.
type Podcast struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Publisher string `json:"publisher"`
	Episodes  int    `json:"episodes"`
}

// subscriptions are the demo users' podcasts, by `sub`.
var subscriptions = map[string][]Podcast{
	contract.Alice.Subject: {
		{ID: "pod-1", Title: "Down the Rabbit Hole", Publisher: "Wonderland Radio", Episodes: 42},
		{ID: "pod-2", Title: "Tea Time Stories", Publisher: "Hatter & Hare", Episodes: 17},
	},
	contract.Bob.Subject: {
		{ID: "pod-3", Title: "Can We Fix It?", Publisher: "Builders' Guild", Episodes: 88},
	},
}

// Subscriptions returns the podcasts a user subscribes to; none for a
// user the demo does not know.
func Subscriptions(subject string) []Podcast {
	return slices.Clone(subscriptions[subject])
}
