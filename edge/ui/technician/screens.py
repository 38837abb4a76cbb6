"""The technician screens in one place: `SCREENS`, the set the shared code opens (home, PIN,
the wizard's steps in order), handed to every technician session; and each screen class for
tests."""

from edge.ui.technician.camera import CameraScreen
from edge.ui.technician.diagnostics import DiagnosticsScreen
from edge.ui.technician.pin import PinScreen
from edge.ui.technician.printers import AddressScreen, PrinterSetupScreen, PrintersScreen
from edge.ui.technician.provision import DeviceScreen, DoneScreen, EnrollScreen
from edge.ui.technician.stations import StationsScreen
from edge.ui.technician.technician_home import HomeScreen
from edge.ui.technician.technician_screen import TechnicianScreens

SCREENS = TechnicianScreens(home=HomeScreen, pin=PinScreen,
                            wizard=(DeviceScreen, EnrollScreen, PrintersScreen, StationsScreen, CameraScreen,
                                    DoneScreen))

__all__ = ["SCREENS", "AddressScreen", "CameraScreen", "DeviceScreen", "DiagnosticsScreen", "DoneScreen",
           "EnrollScreen", "HomeScreen", "PinScreen", "PrinterSetupScreen", "PrintersScreen", "StationsScreen"]
