"""The program side for any Python project: the CAs a stack's config lists, read from PEM files
and declared through the dynamic face."""
