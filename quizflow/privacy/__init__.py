"""Privacy by design: personal text sealed with a key per person (crypto-shredding), erasure,
subject access export, and pseudonyms for analytics. See docs/privacy.md."""
