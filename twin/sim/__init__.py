"""SimPy processes of a factory: machines, buffers, operators, order release, the shift calendar."""
