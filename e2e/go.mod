module github.com/oauthlab/oauthlab/e2e

go 1.26

require github.com/oauthlab/oauthlab/shared v0.0.0

require (
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/chromedp/chromedp v0.23.0 // indirect
	github.com/compose-spec/compose-go/v2 v2.16.2 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
)

replace github.com/oauthlab/oauthlab/shared => ../shared
