using SetGan.Core.Imaging;

namespace SetGan.Core.Tests;

public class ContactSheetTests
{
    [Fact]
    public void Images_are_placed_in_a_grid_on_white()
    {
        var black = new RgbImage(10, 6);
        var sheet = ContactSheet.Compose([black, black, black], columns: 2, gap: 2);

        (sheet.Width, sheet.Height).ShouldBe((2 * 10 + 3 * 2, 2 * 6 + 3 * 2));
        sheet[0, 0, 0].ShouldBe(1f);            // gap
        sheet[0, 2, 2].ShouldBe(0f);            // first image
        sheet[0, 2 + 6 + 2, 2 + 10 + 2].ShouldBe(1f); // empty fourth cell stays white
    }
}
