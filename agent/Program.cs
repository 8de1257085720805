// The edge agent (power sensing, energy profiling, generation loop, IoT Hub link) is not built
// yet: see the agent issue. Until then it says so and exits non-zero rather than pretend to run.
Console.Error.WriteLine("error: setgan-agent is not implemented yet (the ONNX runner and the agent host come in later issues)");
return 2;
