package campaign

import (
	"regexp"
)

// askPattern matches the calls to action that make a post promotional:
// buying, ordering, booking, signing up, redeeming a code, discounts and
// prices. It is deliberately conservative (English only); set Item.Kind to
// override it.
var askPattern = regexp.MustCompile(`(?i)\b(buy|order|pre-?order|shop|book (now|today|a|your)|sign up|subscribe|register now|use (the )?code|promo ?code|coupon|discount|\d+ ?% off|sale|deal|limited time|get yours|add to cart|checkout|free shipping|reserve (now|yours)|last chance)\b|[$€£]\s?\d`)

// InferKind guesses what a post does from its text: Ask when it contains a
// call to buy, book, sign up or redeem (or a price), Engage when it asks
// the audience a question, Give otherwise.
func InferKind(text string) ContentKind {
	if askPattern.MatchString(text) {
		return Ask
	}
	if questionPattern.MatchString(text) {
		return Engage
	}
	return Give
}

var questionPattern = regexp.MustCompile(`\?\s*(\S*\s*)?$|(?i)\b(what|which|how|who) (do|would|is|are) you\b`)
