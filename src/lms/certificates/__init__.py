"""Certificates: issuing, serials, PDFs, verification, revocation and cohort printing."""
