"""The technician screens in one place (for the home screen and tests)."""

from edge.ui.technician.camera import CameraScreen
from edge.ui.technician.diagnostics import DiagnosticsScreen
from edge.ui.technician.technician_home import HomeScreen
from edge.ui.technician.pin import PinScreen
from edge.ui.technician.printers import AddressScreen, PrinterSetupScreen, PrintersScreen
from edge.ui.technician.provision import DeviceScreen, DoneScreen, EnrollScreen
from edge.ui.technician.stations import StationsScreen

__all__ = ["AddressScreen", "CameraScreen", "DeviceScreen", "DiagnosticsScreen", "DoneScreen", "EnrollScreen",
           "HomeScreen", "PinScreen", "PrinterSetupScreen", "PrintersScreen", "StationsScreen"]
