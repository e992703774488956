"""The stores behind the server: the contract, embedded and remote stores."""
