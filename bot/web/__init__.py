"""The live page of the current run: its HTTP app, its JSON and the Mini App init-data check."""
