"""Cashier mode on the device: codes (vouchers, pickups), order actions, day report."""
