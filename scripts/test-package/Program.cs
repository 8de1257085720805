using SetGan.Core.Packaging;
using SetGan.Core.Tests.Packaging;

// setgan-test-package DIR: the tests' tiny signed package (TestPackages: nfc 8, random weights, no training) in
// DIR/package, signed with a fresh key pair in DIR/keys. Prints key=value lines: the package folder, the public key
// file, and the mean of the image `setgan-agent --self-test` generates from it (finest k, seed 1) as ONNX Runtime
// computes it on this machine, so a run on another architecture can be compared with it.
if (args.Length != 1 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: setgan-test-package DIR   (DIR must not hold a package yet)");
    return 2;
}
string dir = Path.GetFullPath(args[0]);
var (folder, _, publicKey) = TestPackages.WriteSigned(dir);
using var package = PyramidPackage.Load(folder, publicKey, intraOpThreads: 1);
var image = package.Generate(package.FinestScale, seed: 1);
Console.WriteLine($"package={folder}");
Console.WriteLine($"public_key={Path.Combine(dir, "keys", PackageSigning.PublicKeyFile)}");
Console.WriteLine($"mean={image.Pixels.Average():F4}");
return 0;
