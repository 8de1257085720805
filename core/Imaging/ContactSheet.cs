namespace SetGan.Core.Imaging;

/// <summary>Lays images out in a grid on white, for looking at many samples at once.</summary>
public static class ContactSheet
{
    public static RgbImage Compose(IReadOnlyList<RgbImage> images, int columns, int gap = 4)
    {
        if (images.Count == 0) throw new ArgumentException("a contact sheet needs at least one image", nameof(images));
        columns = Math.Clamp(columns, 1, images.Count);
        int rows = (images.Count + columns - 1) / columns;
        int cellW = images.Max(i => i.Width), cellH = images.Max(i => i.Height);
        var sheet = new RgbImage(columns * cellW + (columns + 1) * gap, rows * cellH + (rows + 1) * gap);
        Array.Fill(sheet.Pixels, 1f);
        for (int i = 0; i < images.Count; i++)
        {
            int x0 = gap + (i % columns) * (cellW + gap), y0 = gap + (i / columns) * (cellH + gap);
            var image = images[i];
            for (int c = 0; c < RgbImage.Channels; c++)
                for (int y = 0; y < image.Height; y++)
                    Array.Copy(image.Pixels, (c * image.Height + y) * image.Width,
                        sheet.Pixels, (c * sheet.Height + y0 + y) * sheet.Width + x0, image.Width);
        }
        return sheet;
    }
}
