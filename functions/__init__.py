"""Lambda handlers of our custom resources; this directory is the Lambda asset root."""
