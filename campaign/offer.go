package campaign

import (
	"time"

	"github.com/rapportkit/rapport/providers"
)

// EmailChannel is the channel of redemptions made with an offer's email
// code (the offer as sent to the email list).
const EmailChannel providers.Platform = "email"

// Offer is a social-first offer: followers on each platform get it, with
// a code of their own, before it goes to the email list.
type Offer struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// PlanID is the plan the offer belongs to, if any.
	PlanID string `json:"plan_id,omitempty"`
	// TimeZone is the IANA zone of the window's times; empty means the
	// plan's zone (or UTC for an offer outside a plan).
	TimeZone string `json:"time_zone,omitempty"`
	// Codes holds one redemption code per platform, so each redemption is
	// attributed to the platform whose followers got it.
	Codes map[providers.Platform]string `json:"codes"`
	// EmailCode is the code sent to the email list, if any.
	EmailCode string `json:"email_code,omitempty"`
	// FollowersFrom opens the followers-only window.
	FollowersFrom LocalTime `json:"followers_from"`
	// EmailFrom is when the offer goes to the email list: the end of the
	// followers-only window.
	EmailFrom LocalTime `json:"email_from"`
	// Until ends the offer (exclusive).
	Until LocalTime `json:"until"`
}

// Redemption is one use of an offer's code.
type Redemption struct {
	// ID identifies the redemption (an order or receipt number), so
	// recording it twice is detected.
	ID      string `json:"id"`
	OfferID string `json:"offer_id"`
	Code    string `json:"code"`
	// Channel is the platform the code belongs to, or EmailChannel.
	Channel  providers.Platform `json:"channel"`
	Customer string             `json:"customer,omitempty"`
	At       time.Time          `json:"at"`
}
