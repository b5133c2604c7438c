"""Publishing a run: atomic run folders, fingerprints, the manifest, HTML and PDF, the index."""
