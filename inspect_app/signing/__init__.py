"""Signing: the city CA, signers' certificates and PINs, and the signed archive both bundles and the city report are."""
